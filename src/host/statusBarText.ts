/** What the status bar item says for a model state: its text and its tooltip (pure, for tests). */

import type { ModelState } from '../inference/modelState';
import type { RemoteDescription } from '../remote/remoteEngine';
import { downloadMessage, downloadPercent } from './downloadText';

/** Words for a state, as the status bar shows them. */
export function stateLabel(state: ModelState): string {
  switch (state.state) {
    case 'loading': {
      const verb = state.download ? 'downloading' : 'loading';
      return state.progress !== undefined && state.progress > 0 ? `${verb} ${Math.round(state.progress * 100)}%` : `${verb}…`;
    }
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

/** "↓ Qwen2.5-Coder-0.5B-Instruct 34%" while the next model downloads; empty otherwise. */
function downloadLabel(state: ModelState): string {
  const download = state.download;
  if (!download) return '';
  const percent = downloadPercent(download);
  return `↓ ${download.modelName.split('/').pop() ?? download.modelName}${percent === undefined ? '' : ` ${percent}%`}`;
}

/** "lens-coder · cpu · ready", without the icon; a download of the next model is added. */
export function statusBarText(state: ModelState): string {
  const backend = backendLabel(state);
  const download = state.state === 'ready' ? downloadLabel(state) : '';
  return `${state.modelName ?? 'Attention Lens'}${backend ? ` · ${backend}` : ''} · ${stateLabel(state)}${download ? ` · ${download}` : ''}`;
}

/** One line of what runs, then why this backend, then any error. */
export function statusBarTooltip(state: ModelState): string {
  const backend = backendLabel(state);
  const lines = [`Attention Lens: ${state.modelName ?? 'Attention Lens'}${backend ? ` on ${backend}` : ''} — ${stateLabel(state)}`];
  if (state.info && state.info.backend === state.backend) lines.push(`Backend: ${state.info.backendReason}`);
  if (state.download) lines.push(`Downloading ${state.download.modelName}: ${downloadMessage(state.download)}`);
  if (state.error) lines.push(state.error);
  return lines.join('\n');
}

/** "remote · Qwen/Qwen2.5-Coder-7B · gpu-box:8000", without the icon; a model named by a folder path shows the folder's name. */
export function remoteStatusText(remote: RemoteDescription): string {
  return `remote · ${shortModelName(remote.model)} · ${remote.host}`;
}

/** The last segment of an absolute path (servers such as transformers serve take a folder); other names as they are. */
function shortModelName(model: string): string {
  if (!/^(\/|[A-Za-z]:[\\/])/.test(model)) return model;
  const segments = model.split(/[\\/]/).filter(Boolean);
  return segments[segments.length - 1] ?? model;
}

/** What runs where, the last request's figures, whether the server is allowed yet, and the local model that the attention panel runs. */
export function remoteStatusTooltip(remote: RemoteDescription, local: ModelState): string {
  const lines = [`Attention Lens: completions and doc comments from ${remote.model} on ${remote.host} (${remote.url})`];
  if (!remote.allowed) lines.push(`Not allowed yet: nothing is sent to ${remote.host} until you allow it.`);
  if (remote.plainHttpToOtherMachine) lines.push('Warning: plain http:// to another machine; the code travels unencrypted.');
  if (remote.last) lines.push(`Last request: ${remote.last.latencyMs} ms (first text after ${remote.last.firstTextMs} ms), ${remote.last.tokensPerSecond} tok/s`);
  lines.push(`Prompt format: ${remote.format.format.family} (${remote.format.reason})`);
  lines.push(`Attention panel: local model ${local.modelName ?? '?'} (${stateLabel(local)})`);
  return lines.join('\n');
}
