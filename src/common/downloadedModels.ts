/**
 * Models on this disk that Select Model can offer: the Hub revisions already downloaded into the
 * extension's cache, and the check a local folder passes before the model setting points at it.
 *
 * The cache, as modelSource.ts and the worker's modelLoader.ts lay it out:
 *   <globalStorage>/models/rev-<32 hex>/            one folder per hub address + revision (a hash)
 *     <owner>/<name>/config.json, onnx/model*.onnx   revision `main` (transformers.js's file cache)
 *     <owner>/<name>/<revision>/…                     any other revision (`refs/pr/3` nests)
 * transformers.js writes each file as `<file>.tmp.<pid>.<random>` and renames it when whole (the
 * extension's own downloader, being written, as `<file>.partial`), so a file with such a name is a
 * download still under way (or cut off) and is not counted.
 */

import * as fs from 'fs';
import * as path from 'path';
import { LensError } from './errors';
import { hubRevisionCacheDir, revisionProblem } from './modelSource';
import { hubModelIdProblem } from './curatedModels';
import { checkOnnxFile, readJsonObjectFile, tokenizerProblem } from './modelFilesCheck';

/** One model revision found whole in the download cache. */
export interface DownloadedModel {
  /** `owner/name`. */
  readonly modelId: string;
  /** Branch, tag or commit it was downloaded at (`main` when none was named). */
  readonly revision: string;
  /** The folder holding its files. */
  readonly folder: string;
  /** Bytes on disk of its whole files. */
  readonly bytes: number;
  /** When its newest file was written. */
  readonly downloadedAt: Date;
  /** Its weights files, as named in `onnx/` (`model_q4.onnx`). */
  readonly weightFiles: readonly string[];
  /** The hub address among those asked about that the cache folder belongs to; undefined for another. */
  readonly hubUrl?: string;
}

/** A file still being written (or given up on): transformers.js's `<file>.tmp.<pid>.<random>`, or `<file>.partial`. */
const PARTIAL_FILE = /\.tmp\.\d+\.[0-9a-z]+$|\.partial$/i;

/** A cache folder of one hub address + revision (see hubRevisionCacheDir). */
export const REVISION_FOLDER = /^rev-[0-9a-f]{32}$/;

/** A weights file of some dtype inside `onnx/`. */
const WEIGHTS_FILE = /^model(?:_[a-z0-9]+)?\.onnx$/;

/** Deepest revision nesting looked into (`refs/pr/3` is 3). */
export const MAX_REVISION_DEPTH = 6;

/** The cache folder inside the extension's global storage (resolveModelSource's `cacheDir`). */
export function modelCacheDir(globalStoragePath: string): string {
  return path.join(globalStoragePath, 'models');
}

/**
 * The whole model revisions in `cacheDir`, newest first. A revision counts when its folder has
 * config.json, tokenizer.json and a weights file, all finished; anything else in the tree (partial
 * files, stray files, folders that are no Hub id or revision, symbolic links) is skipped. `hubUrls`
 * are the addresses to match each cache folder's hash against.
 */
export function scanDownloadedModels(cacheDir: string, hubUrls: readonly string[]): DownloadedModel[] {
  const found: DownloadedModel[] = [];
  for (const revisionFolder of subfolders(cacheDir).filter((name) => REVISION_FOLDER.test(name))) {
    const revisionDir = path.join(cacheDir, revisionFolder);
    for (const owner of subfolders(revisionDir)) {
      for (const name of subfolders(path.join(revisionDir, owner))) {
        const modelId = `${owner}/${name}`;
        if (hubModelIdProblem(modelId) !== undefined) continue;
        for (const revision of revisionsIn(path.join(revisionDir, owner, name), [], 0)) {
          const label = revision.length === 0 ? 'main' : revision.join('/');
          if (revisionProblem(label) !== undefined) continue;
          const folder = path.join(revisionDir, owner, name, ...revision);
          const hubUrl = hubUrls.find((url) => hubRevisionCacheDir(cacheDir, url, label) === revisionDir);
          const model = wholeModel(folder, modelId, label, hubUrl);
          if (model) found.push(model);
        }
      }
    }
  }
  return found.sort((a, b) => b.downloadedAt.getTime() - a.downloadedAt.getTime());
}

/** The revision paths below a model folder: `[]` for the folder itself, else the parts that lead to a config.json. */
function revisionsIn(folder: string, parts: readonly string[], depth: number): string[][] {
  if (isRegularFile(path.join(folder, 'config.json'))) return [[...parts]];
  if (depth >= MAX_REVISION_DEPTH) return [];
  return subfolders(folder).flatMap((child) => revisionsIn(path.join(folder, child), [...parts, child], depth + 1));
}

/** The model in `folder` when its needed files are whole, else undefined. */
function wholeModel(folder: string, modelId: string, revision: string, hubUrl: string | undefined): DownloadedModel | undefined {
  const weightFiles = weightFilesIn(folder);
  if (weightFiles.length === 0 || !isRegularFile(path.join(folder, 'tokenizer.json'))) return undefined;
  const files = filesBelow(folder).filter((file) => !file.partial);
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const newest = Math.max(...files.map((file) => file.mtimeMs));
  return { modelId, revision, folder, bytes, downloadedAt: new Date(newest), weightFiles, ...(hubUrl ? { hubUrl } : {}) };
}

/** The finished weights files in `folder/onnx`, by name. */
export function weightFilesIn(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(folder, 'onnx'));
  } catch {
    return [];
  }
  return names.filter((name) => WEIGHTS_FILE.test(name) && isRegularFile(path.join(folder, 'onnx', name))).sort();
}

/** A regular file in the cache: its size, time, and whether it is still named as partial. */
export interface FileOnDisk {
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly partial: boolean;
}

/** The regular files below `folder`, partial ones marked; links are neither followed nor counted. */
export function filesBelow(folder: string, depth = 0): FileOnDisk[] {
  if (depth > MAX_REVISION_DEPTH + 2) return [];
  const files: FileOnDisk[] = [];
  for (const entry of readEntries(folder)) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...filesBelow(full, depth + 1));
    else if (entry.isFile()) {
      try {
        const stats = fs.lstatSync(full);
        files.push({ bytes: stats.size, mtimeMs: stats.mtimeMs, partial: PARTIAL_FILE.test(entry.name) });
      } catch {
        // gone since the listing (a download finishing or being deleted)
      }
    }
  }
  return files;
}

/** Bytes of each weights file in a model folder, by file name (`model_quantized.onnx` → bytes). */
export function weightFileSizes(folder: string): ReadonlyMap<string, number> {
  return new Map(weightFilesIn(folder).map((name) => [name, fs.statSync(path.join(folder, 'onnx', name)).size]));
}

/**
 * Why `folder` is no model folder the extension can load, or undefined: config.json and
 * tokenizer.json must be JSON objects (the tokenizer with a vocabulary) and `onnx/` must hold a
 * whole model*.onnx file. The same file checks the worker runs before it loads a folder.
 */
export function localModelFolderProblem(folder: string): string | undefined {
  try {
    if (!fs.statSync(folder).isDirectory()) return `${folder} is not a folder.`;
    readJsonObjectFile(path.join(folder, 'config.json'));
    const tokenizerFile = path.join(folder, 'tokenizer.json');
    const tokenizerFault = tokenizerProblem(readJsonObjectFile(tokenizerFile));
    if (tokenizerFault) return `${tokenizerFile} ${tokenizerFault}.`;
    const weights = weightFilesIn(folder);
    if (weights.length === 0) return `${folder} has no onnx/model*.onnx weights file (the ONNX export of the model).`;
    for (const name of weights) checkOnnxFile(path.join(folder, 'onnx', name));
    return undefined;
  } catch (error) {
    if (error instanceof LensError) return error.message;
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${folder} does not exist.` : `${folder} cannot be read (${code ?? String(error)}).`;
  }
}

/** A size for people: "18.5 MB", "1.96 GB" (decimal units, as the Hub shows them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

function readEntries(folder: string): fs.Dirent[] {
  try {
    return fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Names of the real folders in `folder` (a symbolic link is never followed out of the cache). */
export function subfolders(folder: string): string[] {
  return readEntries(folder).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

function isRegularFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}
