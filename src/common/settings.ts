/** The extension's settings, read through one typed function with defaults and clamps. */

import { LensError } from './errors';
import { DEFAULT_ATTENTION_BUDGET_MB } from './attentionBudget';
import { DEVICE_CHOICES, DTYPE_CHOICES, isOneOf, type DeviceChoice, type DtypeChoice } from './deviceChoices';

export const SETTINGS_SECTION = 'attentionLens';

/** The Hugging Face Hub; `hubUrl` points elsewhere only for a mirror. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface LensSettings {
  readonly model: string;
  readonly allowDownloads: boolean;
  readonly hubUrl: string;
  readonly device: DeviceChoice;
  readonly dtype: DtypeChoice;
  readonly requestTimeoutMs: number;
}

/** Reads one raw value; the host passes VS Code's `WorkspaceConfiguration.get`. */
export type SettingGetter = (key: string) => unknown;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return isOneOf(value, allowed) ? value : fallback;
}

function clampedNumber(value: unknown, min: number, max: number, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value.trim() : fallback;
}

/** Builds validated settings from raw values: unknown or out-of-range values fall back or clamp. */
export function readSettings(get: SettingGetter): LensSettings {
  return {
    model: text(get('model'), ''),
    allowDownloads: get('allowDownloads') === true,
    // Kept as text: a bad address is reported only when a Hub model needs it (see parseHubUrl).
    hubUrl: text(get('hubUrl'), DEFAULT_HUB_URL).replace(/\/+$/, '') || DEFAULT_HUB_URL,
    device: oneOf(get('device'), DEVICE_CHOICES, 'auto'),
    dtype: oneOf(get('dtype'), DTYPE_CHOICES, 'auto'),
    requestTimeoutMs: clampedNumber(get('requestTimeoutMs'), 1000, 600000, 30000),
  };
}

/** A checked `hubUrl`: the base that file paths are appended to, and the host a download contacts. */
export interface HubAddress {
  /** Scheme, host, port and any path prefix (a mirror), without a trailing slash. */
  readonly url: string;
  /** Host and port, as a user would recognise them in a message ("huggingface.co"). */
  readonly host: string;
}

/**
 * Checks the `hubUrl` setting: only http(s) with a host. Other schemes (`file:`, `ftp:`…) would
 * have transformers.js read or contact something that is no hub; credentials would travel with
 * every request; a query or fragment would swallow the file paths appended to it.
 */
export function parseHubUrl(value: string): HubAddress {
  const problem = (why: string, shown = value): LensError =>
    new LensError('MODEL_NOT_FOUND', `${SETTINGS_SECTION}.hubUrl is ${JSON.stringify(shown)}, ${why}. Set it to an address like ${DEFAULT_HUB_URL}.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem('which is not a web address');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem(`but only http:// and https:// hubs are used, not ${url.protocol}`);
  if (url.hostname === '') throw problem('which names no host');
  if (url.username !== '' || url.password !== '') {
    const withoutCredentials = new URL(url.href);
    withoutCredentials.username = '';
    withoutCredentials.password = '';
    // The message is shown and logged, so the password is not repeated in it.
    throw problem('with a user name or password that every request would send', withoutCredentials.href);
  }
  if (url.search !== '' || url.hash !== '') throw problem('which has a query or fragment, where the model files\' paths would go');
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, host: url.host };
}

/** Settings whose change needs the model reloaded. */
export const RELOAD_KEYS: readonly (keyof LensSettings)[] = ['model', 'allowDownloads', 'hubUrl', 'device', 'dtype'];

/** Inline completion settings; `enabled` may differ per language (VS Code's language overrides). */
export interface CompletionSettings {
  readonly enabled: boolean;
  readonly debounceMs: number;
  readonly maxNewTokens: number;
  readonly contextTokens: number;
  readonly timeoutMs: number;
  readonly multiline: 'auto' | 'always' | 'never';
}

/** Builds validated completion settings (keys relative to `attentionLens.completion`). */
export function readCompletionSettings(get: SettingGetter): CompletionSettings {
  return {
    enabled: get('enabled') !== false,
    debounceMs: clampedNumber(get('debounceMs'), 0, 2000, 120),
    maxNewTokens: clampedNumber(get('maxNewTokens'), 1, 256, 32),
    contextTokens: clampedNumber(get('contextTokens'), 32, 8192, 256),
    timeoutMs: clampedNumber(get('timeoutMs'), 100, 30000, 2000),
    multiline: oneOf(get('multiline'), ['auto', 'always', 'never'] as const, 'auto'),
  };
}

/** Attention panel settings (keys relative to `attentionLens.attention`). */
export interface AttentionSettings {
  /** Most tokens one capture shows; longer text keeps its end. */
  readonly maxTokens: number;
  /** Lines above the cursor taken when nothing is selected. */
  readonly linesAround: number;
  /** Most megabytes one capture may take (probabilities grow with T²); longer text keeps its end. */
  readonly memoryBudgetMB: number;
}

/** Builds validated attention settings. */
export function readAttentionSettings(get: SettingGetter): AttentionSettings {
  return {
    maxTokens: clampedNumber(get('maxTokens'), 8, 1024, 256),
    linesAround: clampedNumber(get('linesAround'), 1, 500, 20),
    memoryBudgetMB: clampedNumber(get('memoryBudgetMB'), 16, 4096, DEFAULT_ATTENTION_BUDGET_MB),
  };
}
