/**
 * Deleting models from the download cache (the layout downloadedModels.ts reads): one revision's
 * folder at a time, only strictly inside the cache and never through a symbolic link; the
 * downloads that never finished, listed with their size so their space can be reclaimed; and
 * whether a cache folder is the one the model setting names, so it is not deleted under the worker.
 */

import * as fs from 'fs';
import * as path from 'path';
import { hubModelIdProblem } from './curatedModels';
import { filesBelow, formatBytes, MAX_REVISION_DEPTH, REVISION_FOLDER, scanDownloadedModels, subfolders } from './downloadedModels';
import { LensError } from './errors';
import { hubRevisionCacheDir, resolveModelSource, revisionProblem } from './modelSource';
import type { ModelSource } from './protocol';
import { readSettings, type LensSettings } from './settings';

/** A model folder in the cache that holds no whole model: a download cancelled, cut off, or under way. */
export interface IncompleteDownload {
  /** `owner/name`. */
  readonly modelId: string;
  /** The revision it was downloading, when its cache folder's hash matches one of the hub addresses asked about. */
  readonly revision?: string;
  /** The hub address it came from, known with `revision`. */
  readonly hubUrl?: string;
  /** `<cache>/rev-…/<owner>/<name>`: everything of this download (deleteCachedModelFolder takes it). */
  readonly folder: string;
  /** Bytes of every file in it, finished and partial. */
  readonly bytes: number;
  /** Files still named as partial (`.partial`, `.tmp.<pid>.<random>`). */
  readonly partialFiles: number;
  /** When its newest file was written. */
  readonly changedAt: Date;
}

/** Thrown when a folder was only partly deleted (a file in use, no permission); says how much was freed anyway. */
export class PartialDeletionError extends LensError {
  constructor(
    message: string,
    readonly bytesFreed: number,
  ) {
    super('INTERNAL', message);
    this.name = 'PartialDeletionError';
  }
}

/**
 * The model folders in `cacheDir` that hold files but no whole model, newest first. `hubUrls` are
 * matched against each cache folder's hash, as scanDownloadedModels does, to name the revision.
 */
export function scanIncompleteDownloads(cacheDir: string, hubUrls: readonly string[]): IncompleteDownload[] {
  const whole = scanDownloadedModels(cacheDir, hubUrls);
  const found: IncompleteDownload[] = [];
  for (const revisionFolder of subfolders(cacheDir).filter((name) => REVISION_FOLDER.test(name))) {
    const revisionDir = path.join(cacheDir, revisionFolder);
    for (const owner of subfolders(revisionDir)) {
      for (const name of subfolders(path.join(revisionDir, owner))) {
        const modelId = `${owner}/${name}`;
        if (hubModelIdProblem(modelId) !== undefined) continue;
        const folder = path.join(revisionDir, owner, name);
        if (whole.some((model) => isSameOrInside(model.folder, folder))) continue;
        const files = filesBelow(folder);
        if (files.length === 0) continue;
        found.push({
          modelId,
          ...revisionOf(cacheDir, revisionDir, folder, hubUrls),
          folder,
          bytes: files.reduce((sum, file) => sum + file.bytes, 0),
          partialFiles: files.filter((file) => file.partial).length,
          changedAt: new Date(Math.max(...files.map((file) => file.mtimeMs))),
        });
      }
    }
  }
  return found.sort((a, b) => b.changedAt.getTime() - a.changedAt.getTime());
}

/**
 * Bytes of every regular file below `folder`, partial ones included (what deleting it frees; a
 * DownloadedModel's `bytes` leaves partial files out). Links are not followed.
 */
export function bytesOnDisk(folder: string): number {
  return filesBelow(folder).reduce((sum, file) => sum + file.bytes, 0);
}

/**
 * Deletes one model folder of the cache and the folders it leaves empty, up to and including its
 * `rev-…` folder; resolves with the bytes freed. Refused with a LensError, before anything is
 * deleted, unless `folder` is `<cacheDir>/rev-<32 hex>/<owner>/<name>[/<revision parts>]` with no
 * `..` and no symbolic link (or junction) on the way. A deletion cut short (EBUSY, EPERM: a file in
 * use on Windows) throws a PartialDeletionError that says what was freed and what is left.
 */
export async function deleteCachedModelFolder(cacheDir: string, folder: string): Promise<number> {
  const parts = cachePathParts(cacheDir, folder);
  const realCache = await realCacheDir(cacheDir);
  // Checked from the real cache folder down, one part at a time: lstat sees a link where stat
  // would follow it, so a `rev-…`, owner or revision folder that is a link out of the cache stops here.
  let target = realCache;
  for (const part of parts) {
    target = path.join(target, part);
    const stats = await lstatOrUndefined(target);
    if (!stats) throw new LensError('MODEL_NOT_FOUND', `${folder} no longer exists; it may have been deleted already.`);
    if (stats.isSymbolicLink() || !stats.isDirectory()) throw refusal(folder, `${target} is ${stats.isSymbolicLink() ? 'a link' : 'not a folder'}`);
  }
  // A second opinion from the OS: what the path really names must still be that folder.
  if ((await fs.promises.realpath(target)) !== target) throw refusal(folder, 'it resolves to another folder');

  const { freed, failure } = await removeTree(target);
  if (failure !== undefined) {
    throw new PartialDeletionError(`${target} could not be deleted completely: ${deletionFailure(failure)}. ${formatBytes(freed)} freed; ${formatBytes(bytesOnDisk(target))} left there.`, freed);
  }
  await pruneEmptyParents(path.dirname(target), realCache);
  return freed;
}

/**
 * Whether `folder` (a model folder in `cacheDir`) is the one the model setting names now, so the
 * worker may have it loaded or be downloading into it. `model` is `owner/name`, `owner/name@rev`
 * (`@main` is the same as none) or a local folder, which counts when it points into `folder`.
 */
export function isModelInUse(folder: string, cacheDir: string, settings: Pick<LensSettings, 'model' | 'hubUrl'>): boolean {
  // Read as the worker reads it (trimmed, hub address normalised), with downloads taken as on:
  // a Hub model named while downloads are off is still the one the user chose.
  const read = readSettings((key) => ({ model: settings.model, hubUrl: settings.hubUrl, allowDownloads: true })[key]);
  if (read.model === '') return false;
  const source = sourceNamed(read);
  if (!source) return false;
  if (source.kind === 'folder') return isSameOrInside(source.path, folder) || isSameOrInside(folder, source.path);
  // Every revision has its own `rev-…` folder, so the model's folder there is all of it.
  const modelRoot = path.join(hubRevisionCacheDir(cacheDir, source.hubUrl, source.revision), ...source.modelId.split('/'));
  return isSameOrInside(folder, modelRoot) || isSameOrInside(modelRoot, folder);
}

/** The source the settings name, or undefined for a setting the worker cannot load (it names no folder). */
function sourceNamed(settings: LensSettings): ModelSource | undefined {
  try {
    return resolveModelSource(settings, { extensionPath: '', globalStoragePath: '' });
  } catch {
    return undefined;
  }
}

/** The parts of `folder` below `cacheDir`, checked against the cache's layout; a LensError if they leave it. */
function cachePathParts(cacheDir: string, folder: string): string[] {
  if (folder.split(/[\\/]/).includes('..')) throw refusal(folder, 'it contains ".."');
  const relative = path.relative(path.resolve(cacheDir), path.resolve(folder));
  if (relative === '' || path.isAbsolute(relative) || relative.split(path.sep)[0] === '..') throw refusal(folder, `it is not inside ${cacheDir}`);
  const parts = relative.split(path.sep);
  const [revisionFolder, owner, name, ...revision] = parts;
  if (!REVISION_FOLDER.test(revisionFolder)) throw refusal(folder, `"${revisionFolder}" is no revision cache folder (rev-<32 hex>)`);
  if (owner === undefined || name === undefined || hubModelIdProblem(`${owner}/${name}`) !== undefined) throw refusal(folder, 'it is no model folder (<owner>/<name>) of a revision cache folder');
  if (revision.length > MAX_REVISION_DEPTH || (revision.length > 0 && revisionProblem(revision.join('/')) !== undefined)) throw refusal(folder, `"${revision.join('/')}" is no revision`);
  return parts;
}

async function realCacheDir(cacheDir: string): Promise<string> {
  try {
    // The cache itself may sit behind a link (global storage on another drive); below it, none is allowed.
    return await fs.promises.realpath(cacheDir);
  } catch (error) {
    throw new LensError('MODEL_NOT_FOUND', `The model cache ${cacheDir} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

/**
 * Deletes `folder` depth first and goes on past what cannot be deleted, so one file in use costs
 * only itself; resolves with the bytes freed and the first failure. Links are removed, never
 * followed. (fs.rm stops at the first failure and, on Linux, reports an undeletable file as ENOTDIR.)
 */
async function removeTree(folder: string): Promise<{ freed: number; failure?: unknown }> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(folder, { withFileTypes: true });
  } catch (error) {
    return { freed: 0, failure: error };
  }
  let freed = 0;
  let failure: unknown;
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      const inner = await removeTree(full);
      freed += inner.freed;
      failure ??= inner.failure;
      continue;
    }
    try {
      const bytes = entry.isFile() ? (await fs.promises.lstat(full)).size : 0;
      await removeEntry(full);
      freed += bytes;
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure === undefined) {
    try {
      await fs.promises.rmdir(folder);
    } catch (error) {
      failure = error;
    }
  }
  return { freed, failure };
}

/** Removes a file or link; on Windows a link to a folder (or a junction) is removed as a folder, which deletes only the link. */
async function removeEntry(file: string): Promise<void> {
  try {
    await fs.promises.unlink(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (process.platform !== 'win32' || (code !== 'EPERM' && code !== 'EISDIR')) throw error;
    await fs.promises.rmdir(file).catch(() => {
      throw error;
    });
  }
}

/** Removes `folder` and its parents while they are empty, stopping below `cacheDir`. */
async function pruneEmptyParents(folder: string, cacheDir: string): Promise<void> {
  for (let current = folder; isSameOrInside(current, cacheDir) && current !== cacheDir; current = path.dirname(current)) {
    try {
      await fs.promises.rmdir(current); // fails unless empty: another revision or model stays
    } catch {
      return;
    }
  }
}

/** The revision and hub address whose cache folder `revisionDir` is: `main`, or a folder path below the model folder. */
function revisionOf(cacheDir: string, revisionDir: string, modelFolder: string, hubUrls: readonly string[]): { revision?: string; hubUrl?: string } {
  for (const revision of ['main', ...folderPaths(modelFolder, [], 0)]) {
    if (revisionProblem(revision) !== undefined) continue;
    const hubUrl = hubUrls.find((url) => hubRevisionCacheDir(cacheDir, url, revision) === revisionDir);
    if (hubUrl !== undefined) return { revision, hubUrl };
  }
  return {};
}

/** Every folder path below `folder` (`v2`, `refs/pr/3`…), as `/`-joined text. */
function folderPaths(folder: string, parts: readonly string[], depth: number): string[] {
  if (depth >= MAX_REVISION_DEPTH) return [];
  return subfolders(folder).flatMap((child) => {
    const below = [...parts, child];
    return [below.join('/'), ...folderPaths(path.join(folder, child), below, depth + 1)];
  });
}

function refusal(folder: string, why: string): LensError {
  return new LensError('BAD_REQUEST', `Refused to delete ${folder}: ${why}. Only a model folder inside the extension's model cache is deleted.`);
}

/** What went wrong, in words a user can act on. */
function deletionFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EBUSY':
    case 'EPERM':
    case 'EACCES':
      return `${code}: a file in it is in use or protected (another VS Code window may have the model loaded); close it and delete again`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function isSameOrInside(child: string, parent: string): boolean {
  const relative = path.relative(comparable(parent), comparable(child));
  return relative === '' || (!path.isAbsolute(relative) && relative.split(path.sep)[0] !== '..');
}

/** Windows and macOS disks ignore case by default, so a setting written in another case names the same folder. */
function comparable(file: string): string {
  const resolved = path.resolve(file);
  return process.platform === 'win32' || process.platform === 'darwin' ? resolved.toLowerCase() : resolved;
}

async function lstatOrUndefined(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(file);
  } catch {
    return undefined;
  }
}
