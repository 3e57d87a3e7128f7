/** The last completion and summary the user got, so the attention commands can explain them. */

import type { Producer } from './activeEngine';

export interface RecentText {
  /** The text the model saw before its answer (its tail is enough). */
  readonly context: string;
  /** What the model produced. */
  readonly output: string;
  readonly fileName: string;
  /** The engine that wrote `output`: a remote model's attention cannot be shown, only the local model's on the same text. */
  readonly producer: Producer;
}

/** Written by the completion provider and the doc comment command; read by the attention commands. */
export class RecentOutputs {
  lastCompletion: RecentText | undefined;
  lastSummary: RecentText | undefined;
}
