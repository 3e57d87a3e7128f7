/** `Attention Lens: Show Model Info`: what runs, where, and how it was loaded. */

import type { ModelInfo } from '../common/protocol';
import type { ModelState } from '../inference/modelState';

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
  ];
}

/** What the command says when no model is ready. */
export function notReadyLine(state: ModelState): string {
  if (state.state === 'error') return `Attention Lens — model ${state.modelName ?? '?'} failed to load: ${state.error ?? 'unknown error'}`;
  return `Attention Lens — model ${state.modelName ?? '?'} is ${state.state === 'loading' ? 'still loading' : state.state}.`;
}
