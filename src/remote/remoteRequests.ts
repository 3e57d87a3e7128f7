/**
 * Completions and doc-comment summaries from an OpenAI-compatible server (no `vscode` import: the
 * remote engine adapts VS Code to it; tests and the benchmark drive it directly). The prompts are
 * the local model's prompts — the family's fill-in-the-middle format, the same stop rules — so the
 * pipeline above (debounce, cache, typed-ahead reuse, post-processing) stays the same.
 */

import { fitContextToBudget } from '../common/contextWindow';
import { LensError } from '../common/errors';
import { completionPromptParts, type PromptFormat } from '../common/promptFormats';
import { promptText, type PromptPart } from '../common/promptParts';
import type { CompleteParams, DoneEvent, FinishReason, SummarizeParams } from '../common/protocol';
import { findStop, type StopRules } from '../common/stopRules';
import { summaryChatMessages, summaryPromptParts, type SummaryFormat } from '../common/summaryPrompt';
import type { CancelSignal } from '../inference/inferenceClient';
import { streamChat, streamCompletion, type RemoteEndpoint, type RemoteResult } from './openAiClient';
import { defuseMarkers } from './remotePromptFormat';

/** What a request goes to: the server, the model it serves, and that model's prompt format. */
export interface RemoteTarget {
  readonly endpoint: RemoteEndpoint;
  readonly model: string;
  readonly format: PromptFormat;
  readonly timeoutMs: number;
}

/** How the server is asked for a summary: chat for instruct models, else a prompt to continue. */
export type RemoteSummaryMode = { readonly kind: 'chat' } | { readonly kind: 'completion'; readonly format: Exclude<SummaryFormat, { kind: 'chat' }> };

/**
 * Characters per token when the budget is counted without the server's tokenizer. Code runs
 * 3–4 characters per token in BPE vocabularies; 3 errs towards a prompt that fits.
 */
export const CHARS_PER_TOKEN = 3;
/** Longest code sent for one summary (its head: the signature and first lines say most). */
const SUMMARY_CODE_CHARS = 12_000;
/** OpenAI's API takes at most four stop sequences; the rest are applied here as text arrives. */
const SERVER_STOP_LIMIT = 4;

/** Counts tokens by characters (see CHARS_PER_TOKEN). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The completion prompt string: the text cut to the budget (estimated), markers in user text broken. */
export function remoteCompletionPrompt(format: PromptFormat, params: Pick<CompleteParams, 'prefix' | 'suffix' | 'budgetTokens'>): { prompt: string; cut: boolean } {
  const fitted = fitContextToBudget({ prefix: params.prefix, suffix: params.suffix }, params.budgetTokens, estimateTokens);
  const parts = completionPromptParts(format, fitted.prefix, fitted.suffix);
  return { prompt: promptText(defused(parts, format)), cut: fitted.cut };
}

/** An inline completion from the server, streamed and ended by the same stop rules as a local one. */
export async function remoteComplete(target: RemoteTarget, params: CompleteParams, cancel?: CancelSignal, onText?: (piece: string) => void): Promise<DoneEvent> {
  const { prompt } = remoteCompletionPrompt(target.format, params);
  const rules: StopRules = {
    stopStrings: [...target.format.stopStrings, ...(params.stop.extraStopStrings ?? [])],
    singleLine: params.stop.singleLine,
    blockIndent: params.stop.blockIndent,
    tabSize: params.stop.tabSize,
    linePrefix: params.stop.linePrefix,
  };
  return stream(target, rules, cancel, (text, options) =>
    streamCompletion(target.endpoint, { model: target.model, prompt, max_tokens: params.maxNewTokens, stop: rules.stopStrings.slice(0, SERVER_STOP_LIMIT) }, { onText: text }, options),
  onText);
}

/** A one-line summary of code from the server, as a chat answer or a continued prompt. */
export async function remoteSummarize(
  target: RemoteTarget,
  mode: RemoteSummaryMode,
  params: SummarizeParams,
  onText?: (piece: string) => void,
  cancel?: CancelSignal,
): Promise<DoneEvent> {
  const code = params.code.slice(0, SUMMARY_CODE_CHARS);
  const rules: StopRules = { stopStrings: target.format.stopStrings, singleLine: true, linePrefix: '' };
  const serverStops = ['\n', ...target.format.stopStrings].slice(0, SERVER_STOP_LIMIT);
  if (mode.kind === 'chat') {
    // Chat answers may open with a blank line or a fence; only the sentence matters, so no newline stop on the server.
    const messages = summaryChatMessages(code, params.languageId);
    return stream(target, { ...rules, singleLine: false }, cancel, (text, options) =>
      streamChat(target.endpoint, { model: target.model, messages, max_tokens: params.maxNewTokens }, { onText: text }, options),
    onText);
  }
  const prompt = promptText(defused(summaryPromptParts(mode.format, code, params.languageId), target.format));
  return stream(target, rules, cancel, (text, options) =>
    streamCompletion(target.endpoint, { model: target.model, prompt, max_tokens: params.maxNewTokens, stop: serverStops }, { onText: text }, options),
  onText);
}

function defused(parts: readonly PromptPart[], format: PromptFormat): PromptPart[] {
  return parts.map((part) => ('text' in part ? { text: defuseMarkers(part.text, format) } : part));
}

type Call = (onText: (piece: string) => void, options: { signal: AbortSignal; timeoutMs: number }) => Promise<RemoteResult>;

/**
 * Runs one streamed call: the text is checked against the stop rules as it arrives and the request
 * is aborted (the server stops generating) once they end it, or when the user cancels.
 */
async function stream(target: RemoteTarget, rules: StopRules, cancel: CancelSignal | undefined, call: Call, onPiece?: (piece: string) => void): Promise<DoneEvent> {
  const controller = new AbortController();
  let text = '';
  let stoppedAt: number | undefined;
  let cancelled = false;
  const listener = cancel?.onCancellationRequested(() => {
    cancelled = true;
    controller.abort();
  });
  if (cancel?.isCancellationRequested) {
    listener?.dispose();
    return done('', 'cancelled', undefined);
  }
  try {
    const result = await call(
      (piece) => {
        if (stoppedAt !== undefined) return;
        text += piece;
        const stop = findStop(text, rules);
        if (stop !== undefined) {
          stoppedAt = stop;
          controller.abort();
        }
        onPiece?.(piece);
      },
      { signal: controller.signal, timeoutMs: target.timeoutMs },
    );
    const finish: FinishReason = cancelled ? 'cancelled' : stoppedAt !== undefined ? 'stop' : result.finishReason === 'length' ? 'length' : 'eos';
    // A stop string the server applied never reaches the text; one applied here is cut off.
    const finalText = stoppedAt !== undefined ? text.slice(0, stoppedAt) : text;
    return done(finalText, finish, result);
  } catch (error) {
    if (cancelled) return done(text, 'cancelled', undefined);
    throw error instanceof LensError ? error : new LensError('REMOTE_SERVER_ERROR', error instanceof Error ? error.message : String(error));
  } finally {
    listener?.dispose();
  }
}

/** The answer in the shape a local generation has; the server's token ids are not known here. */
function done(text: string, finishReason: FinishReason, result: RemoteResult | undefined): DoneEvent {
  const tokens = result?.completionTokens ?? result?.pieces ?? 0;
  const decodeMs = result ? result.totalMs - result.firstTextMs : 0;
  const tokensPerSecond = tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : 0;
  return {
    type: 'done',
    id: 0,
    text,
    tokenIds: [],
    finishReason,
    timings: {
      queuedMs: 0,
      firstTokenMs: Math.round(result?.firstTextMs ?? 0),
      totalMs: Math.round(result?.totalMs ?? 0),
      tokensPerSecond: Math.round(tokensPerSecond * 10) / 10,
    },
  };
}
