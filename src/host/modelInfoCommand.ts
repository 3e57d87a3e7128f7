/** `Attention Lens: Show Model Info`: what runs, where, and how it was loaded. */

import type { ModelInfo } from '../common/protocol';
import type { ModelState } from '../inference/modelState';
import type { RemoteDescription } from '../remote/remoteEngine';

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** One line for the notification. */
export function modelInfoLine(info: ModelInfo): string {
  return (
    `Attention Lens — model ${info.name}: backend ${info.backend}, dtype ${info.dtype}, ` +
    `loaded in ${(info.loadMs / 1000).toFixed(2)} s, ${formatCount(info.parameters)} parameters, ` +
    `context ${info.contextLength} tokens`
  );
}

/** Longer details for the output channel. */
export function modelInfoDetails(info: ModelInfo): string[] {
  return [
    `Model:        ${info.name} (${info.modelType}, ${info.layers} layers × ${info.heads} heads, vocabulary ${info.vocabSize})`,
    `Location:     ${info.location}`,
    `Backend:      ${info.backend} — ${info.backendReason}`,
    `Weights:      ${info.dtype}`,
    `Parameters:   ${info.parameters.toLocaleString('en-US')}`,
    `Context:      ${info.contextLength} tokens`,
    `Load time:    ${info.loadMs} ms`,
    ...(info.memoryWarning ? [`Memory:       ${info.memoryWarning}`] : []),
  ];
}

/** What the command says when no model is ready. */
export function notReadyLine(state: ModelState): string {
  if (state.state === 'error') return `Attention Lens — model ${state.modelName ?? '?'} failed to load: ${state.error ?? 'unknown error'}`;
  return `Attention Lens — model ${state.modelName ?? '?'} is ${state.state === 'loading' ? 'still loading' : state.state}.`;
}

/** The notification line for a remote engine. */
export function remoteInfoLine(remote: RemoteDescription): string {
  const last = remote.last ? `, last request ${remote.last.latencyMs} ms at ${remote.last.tokensPerSecond} tok/s` : '';
  return `Attention Lens — remote model ${remote.model} on ${remote.host}: prompt format ${remote.format.format.family}, doc comments by ${remote.summaryMode}${last}`;
}

/** Details of a remote engine for the output channel: what is sent where, and the local model the attention panel runs. */
export function remoteInfoDetails(remote: RemoteDescription, local: ModelState): string[] {
  return [
    `Engine:       remote (attentionLens.remote.engine = openaiCompatible)`,
    `Server:       ${remote.url} (${remote.allowed ? 'allowed' : 'not allowed yet: nothing is sent'})${remote.plainHttpToOtherMachine ? ' — plain http:// to another machine' : ''}`,
    `Model:        ${remote.model}`,
    `Prompt:       ${remote.format.format.family} — ${remote.format.reason}`,
    `Doc comments: ${remote.summaryMode === 'chat' ? '/v1/chat/completions' : '/v1/completions'}`,
    `Sent:         the code around the cursor (within attentionLens.completion.contextTokens) for completions; the function for doc comments; never secret files`,
    ...(remote.last ? [`Last request: ${remote.last.latencyMs} ms, first text after ${remote.last.firstTextMs} ms, ${remote.last.tokensPerSecond} tok/s`] : []),
    `Attention:    local model ${local.info ? `${local.info.name} (${local.info.backend})` : (local.modelName ?? '?')}, since a server cannot return attention`,
  ];
}
