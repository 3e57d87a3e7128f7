/** What the status bar item says for a model state: its text and its tooltip (pure, for tests). */

import type { ModelState } from '../inference/modelState';

/** Words for a state, as the status bar shows them. */
export function stateLabel(state: ModelState): string {
  switch (state.state) {
    case 'loading':
      return state.progress !== undefined && state.progress > 0 ? `loading ${Math.round(state.progress * 100)}%` : 'loading…';
    case 'idle':
    case 'ready':
    case 'error':
      return state.state;
    default: {
      const unreachable: never = state.state;
      return unreachable;
    }
  }
}

/** The backend as the item names it; a fallback is marked, since it is not what the settings asked for. */
function backendLabel(state: ModelState): string {
  if (!state.backend) return '';
  return state.info?.backendFallback && state.info.backend === state.backend ? `${state.backend} (fallback)` : state.backend;
}

/** "lens-coder · cpu · ready", without the icon. */
export function statusBarText(state: ModelState): string {
  const backend = backendLabel(state);
  return `${state.modelName ?? 'Attention Lens'}${backend ? ` · ${backend}` : ''} · ${stateLabel(state)}`;
}

/** One line of what runs, then why this backend, then any error. */
export function statusBarTooltip(state: ModelState): string {
  const backend = backendLabel(state);
  const lines = [`Attention Lens: ${state.modelName ?? 'Attention Lens'}${backend ? ` on ${backend}` : ''} — ${stateLabel(state)}`];
  if (state.info && state.info.backend === state.backend) lines.push(`Backend: ${state.info.backendReason}`);
  if (state.error) lines.push(state.error);
  return lines.join('\n');
}
