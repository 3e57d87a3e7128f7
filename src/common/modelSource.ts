/** Turns the `attentionLens.model` setting into a model source, without touching the disk or network. */

import * as path from 'path';
import { LensError } from './errors';
import type { ModelSource } from './protocol';
import type { LensSettings } from './settings';

/** Name of the model shipped inside the extension. */
export const BUNDLED_MODEL_NAME = 'lens-coder';

// A Hub id is `owner/name`, optionally with `@revision`; the same characters the Hub allows.
const HUB_ID = /^([A-Za-z0-9][\w.-]*\/[\w.-]+)(?:@([\w./-]+))?$/;

export interface SourcePaths {
  /** Folder of the extension (holds `models/`). */
  readonly extensionPath: string;
  /** Extension's global storage, where downloaded models are cached. */
  readonly globalStoragePath: string;
}

/** Resolves the model setting: empty → bundled, absolute path → folder, `owner/name` → Hub (if allowed). */
export function resolveModelSource(settings: LensSettings, paths: SourcePaths): ModelSource {
  const value = settings.model;
  if (value === '') {
    return {
      kind: 'folder',
      path: path.join(paths.extensionPath, 'models', BUNDLED_MODEL_NAME),
      displayName: BUNDLED_MODEL_NAME,
    };
  }
  if (path.isAbsolute(value)) {
    return { kind: 'folder', path: path.normalize(value), displayName: path.basename(path.normalize(value)) };
  }
  const hub = HUB_ID.exec(value);
  if (!hub) {
    throw new LensError(
      'MODEL_NOT_FOUND',
      `The model setting "${value}" is neither an absolute folder nor a Hugging Face id like "owner/name".`,
    );
  }
  if (!settings.allowDownloads) {
    throw new LensError(
      'DOWNLOAD_NOT_ALLOWED',
      `"${hub[1]}" is a Hugging Face model, and downloads are off. Turn on attentionLens.allowDownloads to fetch it, or choose a local folder.`,
    );
  }
  return {
    kind: 'hub',
    modelId: hub[1],
    revision: hub[2] ?? 'main',
    hubUrl: settings.hubUrl,
    cacheDir: path.join(paths.globalStoragePath, 'models'),
  };
}

/** A short name for the status bar. */
export function sourceDisplayName(source: ModelSource): string {
  return source.kind === 'folder' ? source.displayName : source.modelId;
}
