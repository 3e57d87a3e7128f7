/**
 * From the text around the cursor to the suggestion shown: typed-ahead reuse, the LRU cache,
 * the model request with its stop rules and hard time limit, and post-processing.
 * No `vscode` import: the provider adapts VS Code to it, and the benchmark drives it directly.
 */

import type { CompleteParams, CompletionStopRules, DoneEvent } from '../common/protocol';
import type { CompletionSettings } from '../common/settings';
import type { CancelSignal } from '../inference/inferenceClient';
import { postProcessCompletion } from './postProcess';
import { LruCache, suggestionKey } from './suggestionCache';

export interface CursorText {
  /** Document text before the cursor (already limited to a window by the caller). */
  readonly prefix: string;
  /** Document text after the cursor. */
  readonly suffix: string;
  readonly tabSize: number;
}

export interface CompletionBackend {
  complete(params: CompleteParams, cancel: CancelSignal | undefined, timeoutMs: number): Promise<DoneEvent>;
  /** Identifies the loaded model, so cached suggestions never cross models; undefined when none is ready. */
  modelKey(): string | undefined;
}

export type SuggestionSource = 'model' | 'cache' | 'typed-ahead';

export interface Suggestion {
  readonly text: string;
  readonly source: SuggestionSource;
  /** The worker's answer, for model suggestions (timings, finish reason). */
  readonly done?: DoneEvent;
}

interface LastSuggestion {
  readonly model: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly text: string;
}

const CLOSERS_ONLY = /^[\s)\]}'"`;,]*$/;

function leadingColumns(line: string, tabSize: number): number {
  let columns = 0;
  for (const ch of line) {
    if (ch === ' ') columns++;
    else if (ch === '\t') columns += tabSize - (columns % tabSize);
    else break;
  }
  return columns;
}

/** Single line when text follows the cursor; several lines when the cursor starts a statement or block. */
export function chooseStopRules(linePrefix: string, lineSuffix: string, tabSize: number, multiline: CompletionSettings['multiline']): CompletionStopRules {
  const restIsClosers = CLOSERS_ONLY.test(lineSuffix);
  const startsStatement = linePrefix.trim() === '' || /[{:(\[]\s*$|=>\s*$/.test(linePrefix);
  const singleLine = multiline === 'never' || !restIsClosers || (multiline === 'auto' && !startsStatement);
  return { singleLine, blockIndent: leadingColumns(linePrefix, tabSize), tabSize, linePrefix };
}

/** See the module comment. One pipeline per provider. */
export class CompletionPipeline {
  private readonly cache = new LruCache<string>(64);
  private last: LastSuggestion | undefined;

  constructor(
    private readonly backend: CompletionBackend,
    private readonly settings: () => CompletionSettings,
  ) {}

  /** The suggestion for this cursor, or undefined when there is none worth showing (or it was cancelled). */
  async suggest(cursor: CursorText, cancel?: CancelSignal): Promise<Suggestion | undefined> {
    const model = this.backend.modelKey();
    if (!model) return undefined;
    const typedAhead = this.fromTypedAhead(model, cursor);
    if (typedAhead) return { text: typedAhead, source: 'typed-ahead' };
    const key = suggestionKey(model, cursor.prefix, cursor.suffix);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.remember(model, cursor, cached);
      return cached ? { text: cached, source: 'cache' } : undefined;
    }

    const settings = this.settings();
    const lines = describeCursorLines(cursor);
    const stop = chooseStopRules(lines.linePrefix, lines.lineSuffix, cursor.tabSize, settings.multiline);
    const done = await this.backend.complete(
      { prefix: cursor.prefix, suffix: cursor.suffix, budgetTokens: settings.contextTokens, maxNewTokens: settings.maxNewTokens, stop },
      cancel,
      settings.timeoutMs,
    );
    if (done.finishReason === 'cancelled' || done.finishReason === 'superseded') return undefined;
    const text = postProcessCompletion(done.text, { ...lines, rules: { ...stop, stopStrings: [] } }) ?? '';
    // An empty answer is cached too: asking again at the same place would give the same nothing.
    this.cache.set(key, text);
    this.remember(model, cursor, text);
    return text ? { text, source: 'model', done } : undefined;
  }

  /** The rest of the last suggestion when the user has typed its first characters. */
  private fromTypedAhead(model: string, cursor: CursorText): string | undefined {
    const last = this.last;
    if (!last || last.model !== model || last.suffix !== cursor.suffix || !cursor.prefix.startsWith(last.prefix)) return undefined;
    const typed = cursor.prefix.slice(last.prefix.length);
    if (!typed || !last.text.startsWith(typed) || typed.length >= last.text.length) return undefined;
    return last.text.slice(typed.length);
  }

  private remember(model: string, cursor: CursorText, text: string): void {
    this.last = text ? { model, prefix: cursor.prefix, suffix: cursor.suffix, text } : undefined;
  }

  /** Forgets cached suggestions (after a model change). */
  clear(): void {
    this.cache.clear();
    this.last = undefined;
  }
}

/** The lines around the cursor that post-processing looks at. */
export function describeCursorLines(cursor: CursorText): {
  linePrefix: string;
  lineSuffix: string;
  previousLine: string;
  suffixLines: string[];
} {
  const prefixLines = cursor.prefix.split('\n');
  const suffixLines = cursor.suffix.split('\n');
  return {
    linePrefix: prefixLines[prefixLines.length - 1],
    lineSuffix: suffixLines[0],
    previousLine: prefixLines.length > 1 ? prefixLines[prefixLines.length - 2] : '',
    suffixLines: suffixLines.slice(1, 6),
  };
}
