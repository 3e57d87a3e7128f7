/**
 * Turns the `attentionLens.model` setting into a model source, without touching the disk or
 * network: the bundled model, a local folder (never a network share), or a Hub id whose revision is
 * a plain branch, tag or commit — and the cache folder that one Hub revision may use.
 */

import { createHash } from 'crypto';
import * as path from 'path';
import { LensError } from './errors';
import type { ModelSource } from './protocol';
import { parseHubUrl, SETTINGS_SECTION, type LensSettings } from './settings';

/** Name of the model shipped inside the extension. */
export const BUNDLED_MODEL_NAME = 'lens-coder';

const MODEL_SETTING = `${SETTINGS_SECTION}.model`;

// One part of `owner/name`, as huggingface_hub validates a repo id: word characters, `.` and `-`,
// starting and ending with a word character, at most 96 characters (no `.`/`..` part, so no
// part of it can step out of a cache folder).
const HUB_ID_PART = /^[A-Za-z0-9_](?:[\w.-]{0,94}\w)?$/;

// `\\host\share`, `//host/share`, `\\?\UNC\…`, `\\.\pipe\…`: on Windows these name another machine
// (or a device), and reading them contacts that host over SMB. Checked by prefix, so the rule holds
// on every platform (on Linux `//host` is a local path and `\\host` no path at all).
const NETWORK_PATH = /^[\\/]{2}/;

// A revision part: what git allows in a ref name, narrowed to the characters Hub branches, tags,
// `refs/pr/3`, `refs/convert/parquet` and commit hashes use. Not starting with `.` (git's rule) or
// `-` (read as an option by git tools).
const REVISION_PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const REVISION_MAX_LENGTH = 200;

export interface SourcePaths {
  /** Folder of the extension (holds `models/`). */
  readonly extensionPath: string;
  /** Extension's global storage, where downloaded models are cached. */
  readonly globalStoragePath: string;
}

/** Resolves the model setting: empty → bundled, absolute local path → folder, `owner/name[@revision]` → Hub (if allowed). */
export function resolveModelSource(settings: LensSettings, paths: SourcePaths): ModelSource {
  const value = settings.model;
  if (value === '') {
    return {
      kind: 'folder',
      path: path.join(paths.extensionPath, 'models', BUNDLED_MODEL_NAME),
      displayName: BUNDLED_MODEL_NAME,
    };
  }
  if (NETWORK_PATH.test(value)) {
    throw new LensError(
      'MODEL_NOT_FOUND',
      `${MODEL_SETTING} is a network path (${value}). Attention Lens reads models only from a local folder, since reading a network share contacts another machine: copy the model to a local folder and set that.`,
    );
  }
  if (path.isAbsolute(value)) {
    return { kind: 'folder', path: path.normalize(value), displayName: path.basename(path.normalize(value)) };
  }
  const hub = parseHubId(value);
  if (!hub) {
    throw new LensError(
      'MODEL_NOT_FOUND',
      `The model setting "${value}" is neither an absolute folder nor a Hugging Face id like "owner/name".`,
    );
  }
  // Both are checked before the downloads switch, so a user who turns downloads on gets no second error.
  const hubAddress = parseHubUrl(settings.hubUrl);
  const revision = hub.revision ?? 'main';
  checkHubRevision(revision);
  if (!settings.allowDownloads) {
    throw new LensError(
      'DOWNLOAD_NOT_ALLOWED',
      `"${hub.modelId}" is a Hugging Face model, and downloads are off. Turn on ${SETTINGS_SECTION}.allowDownloads to fetch it from ${hubAddress.host}, or choose a local folder.`,
    );
  }
  return {
    kind: 'hub',
    modelId: hub.modelId,
    revision,
    hubUrl: hubAddress.url,
    cacheDir: path.join(paths.globalStoragePath, 'models'),
  };
}

/** `owner/name[@revision]` split, or undefined when the text is no Hub id (the revision is not checked here). */
function parseHubId(value: string): { modelId: string; revision?: string } | undefined {
  const at = value.indexOf('@');
  const modelId = at < 0 ? value : value.slice(0, at);
  const parts = modelId.split('/');
  if (parts.length !== 2 || !parts.every((part) => HUB_ID_PART.test(part))) return undefined;
  // huggingface_hub's further rules; transformers.js refuses such ids with a less clear error.
  if (modelId.includes('..') || modelId.includes('--') || /\.(git|ipynb)$/.test(modelId)) return undefined;
  return at < 0 ? { modelId } : { modelId, revision: value.slice(at + 1) };
}

/** Why `revision` is not a plain branch, tag or commit hash, or undefined when it is one. */
export function revisionProblem(revision: string): string | undefined {
  if (revision === '') return 'it is empty';
  if (revision.length > REVISION_MAX_LENGTH) return `it is longer than ${REVISION_MAX_LENGTH} characters`;
  const odd = /[^A-Za-z0-9_./-]/.exec(revision);
  if (odd) {
    const code = odd[0].codePointAt(0) ?? 0;
    const shown = code < 0x20 || code === 0x7f || code > 0x7e ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `"${odd[0]}"`;
    return `it contains ${shown}; only letters, digits, "_", ".", "-" and "/" between names are allowed`;
  }
  if (revision.includes('..')) return 'it contains ".."';
  for (const part of revision.split('/')) {
    if (part === '') return 'it has an empty part (a leading, trailing or doubled "/")';
    if (!REVISION_PART.test(part)) return `its part "${part}" starts with "${part[0]}"`;
    if (part.endsWith('.') || part.endsWith('.lock')) return `its part "${part}" ends with "${part.endsWith('.') ? '.' : '.lock'}", which git does not allow`;
  }
  return undefined;
}

/** Throws a LensError naming the model setting unless `revision` is a plain branch, tag or commit hash. */
export function checkHubRevision(revision: string): void {
  const problem = revisionProblem(revision);
  if (problem === undefined) return;
  throw new LensError(
    'MODEL_NOT_FOUND',
    `The revision ${JSON.stringify(revision)} in ${MODEL_SETTING} is not a branch, tag or commit hash: ${problem}. Write it like "owner/name@main", "owner/name@v1.0", "owner/name@refs/pr/3" or a commit hash.`,
  );
}

/**
 * The cache folder for one hub address and revision, inside `cacheDir`. Named by a hash, so files
 * of one revision or mirror are never served for another (transformers.js's own layout puts `main`
 * at `owner/name/` and revision `v2` at `owner/name/v2/`, which a `v2/` folder on `main` would
 * share), two revisions differing in case stay apart on a case-insensitive disk, and no revision
 * text becomes a path.
 */
export function hubRevisionCacheDir(cacheDir: string, hubUrl: string, revision: string): string {
  const key = createHash('sha256').update(`${hubUrl}\n${revision}`).digest('hex').slice(0, 32);
  return path.join(cacheDir, `rev-${key}`);
}

/**
 * The folder one Hub model revision is downloaded into: `<revision cache>/<owner>/<name>/` for
 * `main`, `<owner>/<name>/<revision parts>/` for another (the layout downloadedModels.ts reads).
 * `revision` must have passed checkHubRevision.
 */
export function hubModelFolder(cacheDir: string, hubUrl: string, modelId: string, revision: string): string {
  return path.join(hubRevisionCacheDir(cacheDir, hubUrl, revision), ...modelId.split('/'), ...(revision === 'main' ? [] : revision.split('/')));
}

/** A short name for the status bar. */
export function sourceDisplayName(source: ModelSource): string {
  return source.kind === 'folder' ? source.displayName : source.modelId;
}
