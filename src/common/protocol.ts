/**
 * The typed protocol between the extension host and the inference worker.
 * Requests carry an id; every event names the request it belongs to (an error outside any
 * request names none).
 */

import type { AttentionCapture } from './attentionData';
import type { Backend, DeviceChoice, Dtype, DtypeChoice } from './deviceChoices';
import type { ErrorCode } from './errors';
import type { ProbeParams, ProbeResult } from './probeProtocol';

export type { Backend, DeviceChoice, Dtype, DtypeChoice } from './deviceChoices';

/** Where the model comes from, already resolved by the host from the settings. */
export type ModelSource =
  | { readonly kind: 'folder'; readonly path: string; readonly displayName: string }
  | {
      readonly kind: 'hub';
      readonly modelId: string;
      readonly hubUrl: string;
      readonly cacheDir: string;
      readonly revision: string;
    };

/** Why a request runs: completions are latency-critical, commands are not. */
export type RequestPriority = 'completion' | 'command';

/**
 * A request's envelope: its type and the id its events name. Each request's parameters are
 * declared once below (`LoadParams`, `GenerateParams`, ...); the client takes them as they are and
 * the engine adds its stream handlers to them.
 */
interface Envelope<Type extends string> {
  readonly type: Type;
  readonly id: number;
}

export interface LoadParams {
  readonly source: ModelSource;
  readonly device: DeviceChoice;
  readonly dtype: DtypeChoice;
  /** Hugging Face access token for a gated or private Hub model (from SecretStorage; never logged). */
  readonly hubToken?: string;
}

export interface LoadRequest extends Envelope<'load'>, LoadParams {}

export interface GenerateParams {
  readonly priority: RequestPriority;
  readonly prompt: string;
  readonly maxNewTokens: number;
  /** Token ids the model may never produce for this request (e.g. summary markers in completions). */
  readonly blockedTokenIds?: readonly number[];
}

export interface GenerateRequest extends Envelope<'generate'>, GenerateParams {}

/** Where a completion must stop; the worker adds the model's own stop strings. */
export interface CompletionStopRules {
  readonly singleLine: boolean;
  readonly blockIndent?: number;
  readonly tabSize?: number;
  readonly linePrefix: string;
  readonly extraStopStrings?: readonly string[];
}

/**
 * An inline completion at the cursor. The worker cuts the text around the cursor to the token
 * budget with the model's tokenizer, builds the model family's fill-in-the-middle prompt, and
 * stops generating as soon as the stop rules say the suggestion is complete.
 */
export interface CompleteParams {
  readonly prefix: string;
  readonly suffix: string;
  readonly budgetTokens: number;
  readonly maxNewTokens: number;
  readonly stop: CompletionStopRules;
}

export interface CompleteRequest extends Envelope<'complete'>, CompleteParams {}

/** A one-line summary of `code` for a doc comment; the worker builds the prompt for the model's family. */
export interface SummarizeParams {
  readonly code: string;
  readonly languageId: string;
  readonly maxNewTokens: number;
}

export interface SummarizeRequest extends Envelope<'summarize'>, SummarizeParams {}

/** One forward pass over `text` with the model's attention taps fetched (no generation). */
export interface AttentionParams {
  readonly text: string;
  /** Longest token sequence to show; longer text keeps its end. */
  readonly maxTokens: number;
  /** Most bytes the capture may take (see attentionBudget.ts; default DEFAULT_ATTENTION_BUDGET_MB); longer text keeps its end. */
  readonly budgetBytes?: number;
  readonly origin: AttentionCapture['origin'];
}

export interface AttentionRequest extends Envelope<'attention'>, AttentionParams {}

/** The logit lens and "what if" at one position of captured tokens (see probeProtocol.ts). */
export interface ProbeRequest extends Envelope<'probe'>, ProbeParams {}

export interface CancelRequest {
  readonly type: 'cancel';
  /** The id of the request to cancel. */
  readonly id: number;
}

/**
 * Ends the worker thread from inside. The host never calls `Worker.terminate()` while a model
 * runs: terminating a thread during an onnxruntime-node run aborts the whole process (seen here);
 * `process.exit` inside the worker, between two awaits, is safe.
 */
export interface ExitRequest {
  readonly type: 'exit';
  readonly id: number;
  readonly code: number;
}

/**
 * Asks the worker how it is doing (queue and memory), answered at once with a `stats` event, also
 * between the tokens of a running generation. Stress tests watch queues and leaks with it.
 */
export interface StatsRequest {
  readonly type: 'stats';
  readonly id: number;
  /** Collect garbage first, so the heap figure is what is really kept (a fair leak measurement). */
  readonly collectGarbage?: boolean;
}

export type WorkerRequest =
  | LoadRequest
  | GenerateRequest
  | CompleteRequest
  | SummarizeRequest
  | AttentionRequest
  | ProbeRequest
  | CancelRequest
  | ExitRequest
  | StatsRequest;

/** What Show Model Info and the status bar report about a loaded model. */
export interface ModelInfo {
  readonly name: string;
  readonly location: string;
  readonly backend: Backend;
  /** Why this backend runs (e.g. "auto: native onnxruntime-node loaded"). */
  readonly backendReason: string;
  /** Set when the backend asked for could not run and this one took over (backendReason says why). */
  readonly backendFallback?: boolean;
  /** The device settings this worker's ONNX Runtime build serves without a restart (cpu and webgpu share one). */
  readonly runtimeDevices?: readonly DeviceChoice[];
  readonly dtype: Dtype;
  readonly modelType: string;
  readonly parameters: number;
  readonly contextLength: number;
  readonly vocabSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly loadMs: number;
  /** The fill-in-the-middle family chosen from the model's config and vocabulary ('none' = left-to-right). */
  readonly promptFamily: string;
  /** Why the attention view cannot show this model (no attention outputs and none could be added). */
  readonly attentionUnavailableReason?: string;
  /** Set when the model needs more memory than was free when it loaded (memoryEstimate.ts). */
  readonly memoryWarning?: string;
}

/** Where the download of a Hub model's files stands (see hubDownloader.ts). */
export interface DownloadStatus {
  /** The file being fetched, as the Hub names it (`onnx/model_quantized.onnx`). */
  readonly file: string;
  /** Bytes in the folder so far, over every file this download fetches (resumed bytes included). */
  readonly receivedBytes: number;
  /** Bytes of every file this download fetches; undefined when the Hub did not say. */
  readonly totalBytes?: number;
  /** Over the last seconds; 0 until measured. */
  readonly bytesPerSecond: number;
  readonly secondsLeft?: number;
}

export interface ProgressEvent {
  readonly type: 'progress';
  readonly id: number;
  readonly file: string;
  /** 0..1 over all files of the model. */
  readonly fraction: number;
  /**
   * Set while a Hub model's files download; the worker still serves its current model meanwhile.
   * The last event of a download has `receivedBytes === totalBytes`; the model then loads.
   */
  readonly download?: DownloadStatus;
}

export interface ReadyEvent {
  readonly type: 'ready';
  readonly id: number;
  readonly info: ModelInfo;
}

export interface StartedEvent {
  readonly type: 'started';
  readonly id: number;
  readonly promptTokens: number;
  /** Prompt tokens whose keys and values came from the previous request's KV cache. */
  readonly reusedTokens: number;
  /** True when the text around the cursor was cut to fit the token budget. */
  readonly contextCut: boolean;
}

export interface TokenEvent {
  readonly type: 'token';
  readonly id: number;
  readonly tokenId: number;
  /** The text this token added (may be empty until a multi-byte character completes). */
  readonly text: string;
}

export type FinishReason = 'eos' | 'length' | 'stop' | 'cancelled' | 'superseded';

export interface GenerationTimings {
  readonly queuedMs: number;
  readonly firstTokenMs: number;
  readonly totalMs: number;
  readonly tokensPerSecond: number;
}

export interface DoneEvent {
  readonly type: 'done';
  readonly id: number;
  readonly text: string;
  readonly tokenIds: readonly number[];
  readonly finishReason: FinishReason;
  readonly timings: GenerationTimings;
}

export interface AttentionEvent {
  readonly type: 'attention';
  readonly id: number;
  readonly capture: AttentionCapture;
  readonly forwardMs: number;
}

export interface ProbeEvent {
  readonly type: 'probe';
  readonly id: number;
  readonly result: ProbeResult;
}

/** The worker's own figures; Node 20's Worker has no getHeapStatistics(), so the worker reports them. */
export interface WorkerStats {
  /** Requests waiting in the worker's scheduler. */
  readonly queued: number;
  /** Whether a request runs now. */
  readonly running: boolean;
  /** V8 heap in use in the worker thread (after a collection when asked). */
  readonly heapUsedBytes: number;
  /** Physical memory the worker's V8 heap holds, used or not (part of RSS). */
  readonly heapCommittedBytes: number;
  /** Resident memory of the whole process (host and worker share it). */
  readonly rssBytes: number;
  /** Memory outside the V8 heap held by JS objects (typed arrays, tensors' buffers). */
  readonly externalBytes: number;
  /** CPU time the worker's own thread has used (user + system); undefined where the OS does not say (not Linux). */
  readonly threadCpuMs?: number;
}

export interface StatsEvent {
  readonly type: 'stats';
  readonly id: number;
  readonly stats: WorkerStats;
}

export interface ErrorEvent {
  readonly type: 'error';
  /** The request that failed; absent for errors outside any request. */
  readonly id?: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export type WorkerEvent =
  | ProgressEvent
  | ReadyEvent
  | StartedEvent
  | TokenEvent
  | DoneEvent
  | AttentionEvent
  | ProbeEvent
  | StatsEvent
  | ErrorEvent;

/** Data the host passes to a new worker. */
export interface WorkerStartData {
  /** Folder holding the installed onnxruntime-web `.wasm` files (never a CDN). */
  readonly wasmDir: string;
  /** Number of WASM threads to ask for (1 = single-threaded). */
  readonly wasmThreads: number;
  /** Where `auto` keeps its GPU-versus-CPU calibrations (the extension's global storage); none kept without it. */
  readonly calibrationFile?: string;
}
