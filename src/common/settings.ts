/** The extension's settings, read through one typed function with defaults and clamps. */

import type { DeviceChoice, DtypeChoice } from './protocol';

export const SETTINGS_SECTION = 'attentionLens';

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

const DEVICES: readonly DeviceChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];
const DTYPES: readonly DtypeChoice[] = ['auto', 'fp32', 'q8'];

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
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
    hubUrl: text(get('hubUrl'), 'https://huggingface.co').replace(/\/+$/, '') || 'https://huggingface.co',
    device: oneOf(get('device'), DEVICES, 'auto'),
    dtype: oneOf(get('dtype'), DTYPES, 'auto'),
    requestTimeoutMs: clampedNumber(get('requestTimeoutMs'), 1000, 600000, 30000),
  };
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
}

/** Builds validated attention settings. */
export function readAttentionSettings(get: SettingGetter): AttentionSettings {
  return {
    maxTokens: clampedNumber(get('maxTokens'), 8, 1024, 256),
    linesAround: clampedNumber(get('linesAround'), 1, 500, 20),
  };
}
