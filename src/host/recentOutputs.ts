/** The last completion and summary the user got, so the attention commands can explain them. */

export interface RecentText {
  /** The text the model saw before its answer (its tail is enough). */
  readonly context: string;
  /** What the model produced. */
  readonly output: string;
  readonly fileName: string;
}

/** Written by the completion provider and the doc comment command; read by the attention commands. */
export class RecentOutputs {
  lastCompletion: RecentText | undefined;
  lastSummary: RecentText | undefined;
}
