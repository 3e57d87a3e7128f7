/** A model as the engine holds it: sessions, tokenizer, facts, and what generation needs of them. */

import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import type { ModelInfo } from '../common/protocol';
import type { PromptFormat } from '../common/promptFormats';
import type { SummaryFormat } from '../common/summaryPrompt';
import type { BackendDecision } from './backendChoice';
import type { KvCacheReuse } from './kvCacheReuse';
import type { TransformersModule } from './ortRuntime';
import type { SessionOutputFilter } from './sessionOutputFilter';

export interface LoadedModel {
  readonly model: PreTrainedModel;
  readonly tokenizer: PreTrainedTokenizer;
  readonly info: ModelInfo;
  /** Why it runs on its backend; info.backendReason is its sentence. */
  readonly decision: BackendDecision;
  /** transformers.js as imported on the backend's runtime build at load: requests use it as is. */
  readonly transformers: TransformersModule;
  readonly outputs: SessionOutputFilter;
  readonly eosTokenIds: ReadonlySet<number>;
  readonly promptFormat: PromptFormat;
  /** The family's stop strings that are single tokens: special tokens never show in decoded text. */
  readonly completionStopTokenIds: ReadonlySet<number>;
  readonly summaryFormat: SummaryFormat;
  readonly kvCache: KvCacheReuse;
}

/** Frees a loaded model's sessions and its kept KV cache. */
export async function releaseModel(loaded: LoadedModel): Promise<void> {
  await loaded.kvCache.clear();
  await loaded.model.dispose();
}
