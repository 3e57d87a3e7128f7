/** The model's state as the status bar, commands and the public API see it. */

import type { Backend, DownloadStatus, ModelInfo } from '../common/protocol';
import type { ErrorCode } from '../common/errors';

export type ModelStateName = 'idle' | 'loading' | 'ready' | 'error';

export interface ModelState {
  readonly state: ModelStateName;
  readonly modelName?: string;
  readonly backend?: Backend;
  /** 0..1 while loading. */
  readonly progress?: number;
  readonly info?: ModelInfo;
  readonly error?: string;
  readonly errorCode?: ErrorCode;
  /**
   * Set while the files of the next model (`download.modelName`) download. With a model serving, the
   * state stays `ready` with that model and requests go on running on it; with none, it is `loading`.
   */
  readonly download?: DownloadStatus & { readonly modelName: string };
}
