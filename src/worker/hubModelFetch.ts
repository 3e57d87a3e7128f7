/**
 * Brings a Hub model into its revision's folder before it loads, so that the load itself reads a
 * local folder: config.json first (it says how many external data files the weights have), then the
 * weights — the dtype asked for, or for `auto` the first of the backend's preferred dtypes already
 * downloaded, else the first the Hub has — with the tokenizer files. The model's memory need is
 * checked once the Hub has sized the weights, before a byte of them is fetched.
 */

import * as fs from 'fs';
import * as path from 'path';
import { WEIGHT_FILES, type Dtype, type DtypeChoice } from '../common/deviceChoices';
import { LensError } from '../common/errors';
import { checkHubRevision, hubModelFolder } from '../common/modelSource';
import { readJsonObjectFile } from '../common/modelFilesCheck';
import type { ModelSource } from '../common/protocol';
import { parseHubUrl } from '../common/settings';
import { downloadModelFiles, firstHubFile, modelFilesFor, type DownloadProgress, type PlannedFile } from './hubDownloader';

type HubSource = Extract<ModelSource, { kind: 'hub' }>;

export interface HubFetchOptions {
  readonly source: HubSource;
  readonly dtype: DtypeChoice;
  /** The backend's dtypes, best first, for `auto`. */
  readonly preferredDtypes: readonly Dtype[];
  readonly token?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Throws when weights of this many bytes, for this config, cannot be loaded on this machine. */
  readonly checkMemory: (weightsBytes: number, config: Record<string, unknown>, what: string) => void;
  /** No bytes for this long → error (the downloader's default unless given). */
  readonly timeoutMs?: number;
}

/** Where the model now is, and the dtype whose weights came. */
export interface FetchedHubModel {
  readonly folder: string;
  readonly dtype: Dtype;
}

/** See the module comment. Throws a LensError naming the host, model and file at fault. */
export async function fetchHubModel(options: HubFetchOptions): Promise<FetchedHubModel> {
  const { source } = options;
  checkHubRevision(source.revision); // it becomes part of URLs and of the folder's path
  const hub = parseHubUrl(source.hubUrl);
  const folder = hubModelFolder(source.cacheDir, hub.url, source.modelId, source.revision);
  const common = {
    hubUrl: hub.url,
    modelId: source.modelId,
    revision: source.revision,
    targetDir: folder,
    signal: options.signal,
    token: options.token,
    onProgress: options.onProgress,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  // No progress for the config alone: its last event (all bytes in) would read as the end of the download to the host.
  await downloadModelFiles({ ...common, onProgress: undefined, files: [{ path: 'config.json', required: true }] });
  const config = readJsonObjectFile(path.join(folder, 'config.json'));

  const candidates: readonly Dtype[] = options.dtype === 'auto' ? options.preferredDtypes : [options.dtype];
  const graph = await firstHubFile(common, candidates.map((dtype) => WEIGHT_FILES[dtype]));
  const dtype = candidates.find((candidate) => WEIGHT_FILES[candidate] === graph);
  if (!dtype) throw noWeights(source, hub.host, candidates);

  const files = modelFilesFor(dtype, externalDataChunks(config, path.posix.basename(WEIGHT_FILES[dtype])));
  const weightFiles = files.filter((file) => file.path.startsWith(WEIGHT_FILES[dtype]));
  const what = `${source.modelId}${source.revision === 'main' ? '' : `@${source.revision}`} (${dtype})`;
  await downloadModelFiles({
    ...common,
    files,
    approve: (planned) => options.checkMemory(weightsBytes(folder, weightFiles.map((file) => file.path), planned), config, what),
  });
  return { folder, dtype };
}

/** The bytes of the weights files: those still to come as the Hub sized them, the others as on disk. */
function weightsBytes(folder: string, weightFiles: readonly string[], planned: readonly PlannedFile[]): number {
  let bytes = 0;
  for (const file of weightFiles) {
    const coming = planned.find((p) => p.path === file);
    if (coming) bytes += coming.totalBytes ?? 0;
    else {
      try {
        bytes += fs.statSync(path.join(folder, ...file.split('/'))).size;
      } catch {
        // an optional data file that neither the folder nor the Hub has
      }
    }
  }
  return bytes;
}

/**
 * How many external data files config.json's `transformers.js_config.use_external_data_format`
 * gives the graph `fileName` (`model_q4.onnx`): a number or boolean for every graph, or an object by
 * graph file name or by session name (`model`) — the reading transformers.js applies.
 */
export function externalDataChunks(config: Record<string, unknown>, fileName: string): number {
  const custom = config['transformers.js_config'];
  const format = custom && typeof custom === 'object' ? (custom as Record<string, unknown>).use_external_data_format : undefined;
  if (!format) return 0;
  if (typeof format === 'object') {
    const byName = format as Record<string, unknown>;
    const value = Object.hasOwn(byName, fileName) ? byName[fileName] : Object.hasOwn(byName, 'model') ? byName.model : 0;
    return Number(value) || 0;
  }
  return Number(format) || 0;
}

function noWeights(source: HubSource, host: string, candidates: readonly Dtype[]): LensError {
  const at = source.revision === 'main' ? '' : ` at ${source.revision}`;
  const files = candidates.map((dtype) => WEIGHT_FILES[dtype]).join(', ');
  const advice = candidates.length === 1
    ? `Set attentionLens.dtype to auto (or another dtype the model page lists) and reload.`
    : `It has no ONNX weights for transformers.js; choose a model with an onnx/ folder (onnx-community and Xenova publish many).`;
  return new LensError('MODEL_NOT_FOUND', `${host} has ${candidates.length === 1 ? 'no' : 'none of'} ${files} for ${source.modelId}${at}. ${advice}`);
}
