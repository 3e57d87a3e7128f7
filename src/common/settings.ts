/** The extension's settings: one list of keys, a typed reader per group with the defaults and clamps, and the scope a write must go to. */

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

/**
 * Every setting the extension reads, by the group that reads it (keys relative to the group's
 * section, see `sectionOf`). package.json declares exactly these (test/unit/settings.test.ts).
 */
export const SETTING_KEYS = {
  model: ['model', 'allowDownloads', 'hubUrl', 'device', 'dtype', 'requestTimeoutMs'],
  completion: ['enabled', 'debounceMs', 'maxNewTokens', 'contextTokens', 'timeoutMs', 'multiline'],
  attention: ['maxTokens', 'linesAround', 'memoryBudgetMB'],
  docComments: ['codeLens'],
  remote: ['engine', 'url', 'model', 'promptFamily', 'docComments', 'timeoutMs'],
} as const;

/** A group of settings read together by one reader below. */
export type SettingsGroup = keyof typeof SETTING_KEYS;

/** A key of `G`, relative to its section. */
export type SettingKey<G extends SettingsGroup> = (typeof SETTING_KEYS)[G][number];

/** The section VS Code reads a group from: `attentionLens` for the model, else `attentionLens.<group>`. */
export function sectionOf(group: SettingsGroup): string {
  return group === 'model' ? SETTINGS_SECTION : `${SETTINGS_SECTION}.${group}`;
}

/** Reads one raw value; the host passes VS Code's `WorkspaceConfiguration.get` (src/host/vscodeSettings.ts). */
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

/** Doc comment settings (keys relative to `attentionLens.docComments`); `codeLens` may differ per language. */
export interface DocCommentSettings {
  /** A `Document` CodeLens above functions without a doc comment. */
  readonly codeLens: boolean;
}

/** Builds validated doc comment settings: the CodeLens is off unless set to `true`. */
export function readDocCommentSettings(get: SettingGetter): DocCommentSettings {
  return { codeLens: get('codeLens') === true };
}

/** Which engine writes completions and doc comments: the local model, or an OpenAI-compatible server. */
export const ENGINE_CHOICES = ['local', 'openaiCompatible'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** The prompt family a remote model is given: `auto` guesses it from the model name. */
export const REMOTE_FAMILY_CHOICES = ['auto', 'lens', 'qwen', 'starcoder', 'deepseek', 'codellama', 'none'] as const;
export type RemoteFamilyChoice = (typeof REMOTE_FAMILY_CHOICES)[number];

/** How a remote model writes doc comments: `auto` uses chat for instruct models, else a completion prompt. */
export const REMOTE_DOC_CHOICES = ['auto', 'chat', 'completion'] as const;
export type RemoteDocChoice = (typeof REMOTE_DOC_CHOICES)[number];

/**
 * The remote engine (keys relative to `attentionLens.remote`). package.json gives every one of them
 * `application` scope: only the user's own settings set them, so a workspace can never send code
 * to a server of its choosing. The API key is not here: it lives in VS Code's SecretStorage.
 */
export interface RemoteSettings {
  readonly engine: EngineChoice;
  /** The server's address as typed; checked by parseServerAddress when a request needs it. */
  readonly url: string;
  readonly model: string;
  readonly promptFamily: RemoteFamilyChoice;
  readonly docComments: RemoteDocChoice;
  /** Time limit for one request to the server (the local model has completion.timeoutMs). */
  readonly timeoutMs: number;
}

/** Builds validated remote engine settings; the engine stays local unless set exactly. */
export function readRemoteSettings(get: SettingGetter): RemoteSettings {
  return {
    engine: oneOf(get('engine'), ENGINE_CHOICES, 'local'),
    url: text(get('url'), ''),
    model: text(get('model'), ''),
    promptFamily: oneOf(get('promptFamily'), REMOTE_FAMILY_CHOICES, 'auto'),
    docComments: oneOf(get('docComments'), REMOTE_DOC_CHOICES, 'auto'),
    timeoutMs: clampedNumber(get('timeoutMs'), 500, 120000, 10000),
  };
}

/** What each group's reader gives. */
export interface GroupSettings {
  readonly model: LensSettings;
  readonly completion: CompletionSettings;
  readonly attention: AttentionSettings;
  readonly docComments: DocCommentSettings;
  readonly remote: RemoteSettings;
}

/** Each group's reader; it reads exactly the group's SETTING_KEYS (test/unit/settings.test.ts). */
export const SETTINGS_READERS: { readonly [G in SettingsGroup]: (get: SettingGetter) => GroupSettings[G] } = {
  model: readSettings,
  completion: readCompletionSettings,
  attention: readAttentionSettings,
  docComments: readDocCommentSettings,
  remote: readRemoteSettings,
};

/** What VS Code's `WorkspaceConfiguration.inspect()` reports for one key (the fields used here). */
export interface InspectedSetting {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
  readonly defaultLanguageValue?: unknown;
  readonly globalLanguageValue?: unknown;
  readonly workspaceLanguageValue?: unknown;
  readonly workspaceFolderLanguageValue?: unknown;
}

/** A place a setting is written: a settings file, and whether under the language's `[id]` block. */
export interface SettingScope {
  readonly target: 'global' | 'workspace' | 'workspaceFolder';
  readonly inLanguage: boolean;
}

// VS Code's precedence, strongest first: any language-specific value beats every plain one, and
// within each kind the folder beats the workspace, which beats the user. A default for the
// language (another extension's configurationDefaults) is overridden from the user's settings.
const PRECEDENCE: readonly (readonly [keyof InspectedSetting, SettingScope])[] = [
  ['workspaceFolderLanguageValue', { target: 'workspaceFolder', inLanguage: true }],
  ['workspaceLanguageValue', { target: 'workspace', inLanguage: true }],
  ['globalLanguageValue', { target: 'global', inLanguage: true }],
  ['defaultLanguageValue', { target: 'global', inLanguage: true }],
  ['workspaceFolderValue', { target: 'workspaceFolder', inLanguage: false }],
  ['workspaceValue', { target: 'workspace', inLanguage: false }],
];

/**
 * The scope whose value is in effect, so that writing there changes what the user gets: the most
 * specific one that holds a value; the user's settings when only the default applies.
 */
export function scopeInEffect(inspected: InspectedSetting | undefined): SettingScope {
  const found = PRECEDENCE.find(([field]) => inspected?.[field] !== undefined);
  return found ? found[1] : { target: 'global', inLanguage: false };
}
