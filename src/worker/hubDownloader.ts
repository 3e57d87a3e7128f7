/**
 * Downloads a Hub model's files into one revision's cache folder, with its own progress (bytes,
 * speed, time left), cancel, resume and checksums instead of transformers.js's fetch:
 *
 * - Each file is written as `<file>.partial` and renamed only after its size and digest matched
 *   (sha256 for LFS files, git blob sha1 for plain ones: see hubChecksum.ts), so a cancelled or
 *   failed download never leaves a file that a later load would read.
 * - A `.partial` left by a cancel or a broken connection is resumed with `Range: bytes=N-`; a server
 *   that answers 200 instead of 206 is read from the start again, truncating the partial file.
 * - A file already in the folder is a cache hit with no request at all (it was verified before it
 *   got its name; the folder is per revision, so a branch like `main` is not re-checked for updates).
 *   Optional files the Hub did not have are remembered in `.hub-download.json`, so they are not
 *   asked for again.
 * - Before any body is fetched, one HEAD per file learns sizes and digests, and the free space of
 *   the target's disk is checked against the bytes still to come.
 * - Every `.onnx` graph in the plan brings its external data (`<graph>.onnx_data`, optional).
 */

import * as fs from 'fs';
import * as path from 'path';
import { WEIGHT_FILES, isOneOf, DTYPES } from '../common/deviceChoices';
import { LensError } from '../common/errors';
import { SpeedMeter, secondsLeft } from './downloadProgress';
import { expectedDigest, RunningDigest, type ExpectedDigest } from './hubChecksum';

/** One file a model needs; a missing optional file (404) is skipped, a missing required one fails. */
export interface DownloadPlanFile {
  readonly path: string;
  readonly required: boolean;
}

/** Where a download stands; `fraction` and `secondsLeft` are over all files this call fetches. */
export interface DownloadProgress {
  readonly file: string;
  /** Of `file`. */
  readonly receivedBytes: number;
  readonly totalBytes?: number;
  /** Over every file this call fetches (a resumed file's earlier bytes included). */
  readonly overallReceivedBytes: number;
  readonly overallTotalBytes?: number;
  readonly bytesPerSecond: number;
  readonly secondsLeft?: number;
  readonly fraction?: number;
}

/** A file the Hub has, as its HEAD answer sized it (before any body is fetched). */
export interface PlannedFile {
  readonly path: string;
  readonly totalBytes?: number;
}

/** What to fetch, from where, into where. */
export interface DownloadOptions {
  readonly hubUrl: string;
  readonly modelId: string;
  readonly revision: string;
  readonly targetDir: string;
  readonly files: readonly DownloadPlanFile[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DownloadProgress) => void;
  /** No bytes (or no answer) for this long → error. Default 30 s. */
  readonly timeoutMs?: number;
  /** Hugging Face access token, for gated or private models. */
  readonly token?: string;
  /** Free bytes on the disk holding `dir`; fs.statfs unless given (tests inject a small disk). */
  readonly freeBytes?: (dir: string) => Promise<number>;
  /** Sees the files still to fetch, sized, before any body is fetched; throws to refuse them (e.g. a model too big for memory). */
  readonly approve?: (files: readonly PlannedFile[]) => void;
}

/** What a download did: every planned file now in the folder, those that were there already, bytes fetched. */
export interface DownloadResult {
  readonly files: readonly string[];
  readonly fromCache: readonly string[];
  readonly bytes: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 100;
const MANIFEST = '.hub-download.json';
const MAX_REDIRECTS = 5;
/** transformers.js's own limit on external data chunks. */
const MAX_DATA_CHUNKS = 100;

/**
 * The files transformers.js reads for a causal LM in `dtype` (suffix as WEIGHT_FILES names it), with
 * the graph's external data: `dataChunks` files as config.json's `transformers.js_config.use_external_data_format`
 * counts them (`model.onnx_data`, `model.onnx_data_1`, …), or when it says nothing one optional
 * `model.onnx_data` (onnxruntime-node reads such a file beside its graph without being told).
 */
export function modelFilesFor(dtype: 'fp32' | 'q8' | string, dataChunks = 0): DownloadPlanFile[] {
  if (!isOneOf(dtype, DTYPES)) throw new LensError('BAD_REQUEST', `Unknown dtype "${dtype}": expected one of ${DTYPES.join(', ')}.`);
  if (!Number.isInteger(dataChunks) || dataChunks < 0 || dataChunks > MAX_DATA_CHUNKS) {
    throw new LensError('MODEL_INVALID', `config.json asks for ${dataChunks} external data files; transformers.js reads 0 to ${MAX_DATA_CHUNKS}.`);
  }
  const graph = WEIGHT_FILES[dtype];
  const data = dataChunks === 0
    ? [{ path: `${graph}_data`, required: false }]
    : Array.from({ length: dataChunks }, (_, i) => ({ path: `${graph}_data${i === 0 ? '' : `_${i}`}`, required: true }));
  return [
    { path: 'config.json', required: true },
    { path: 'tokenizer.json', required: true },
    { path: 'tokenizer_config.json', required: true },
    { path: 'generation_config.json', required: false },
    // Newer exports keep the chat template in its own file; transformers.js's tokenizer reads it.
    { path: 'chat_template.jinja', required: false },
    { path: graph, required: true },
    ...data,
  ];
}

/**
 * The first of `files` the Hub has (one HEAD each, in order), or undefined when it has none of them;
 * a file already in `targetDir` is taken without a request.
 */
export async function firstHubFile(options: Omit<DownloadOptions, 'files'>, files: readonly string[]): Promise<string | undefined> {
  files.forEach(checkPlanPath);
  const asked: DownloadOptions = { ...options, files: files.map((file) => ({ path: file, required: false })) };
  const local = files.find((file) => fs.existsSync(finalPath(asked, file)));
  if (local) return local;
  const http = new HubHttp(asked);
  for (const file of files) {
    if (await http.describe({ path: file, required: false })) return file;
  }
  return undefined;
}

/** Fetches the planned files that are not in `targetDir` yet; see the module header for the guarantees. */
export async function downloadModelFiles(options: DownloadOptions): Promise<DownloadResult> {
  const plan = withExternalData(options.files);
  plan.forEach((file) => checkPlanPath(file.path));
  const absentBefore = readManifest(options.targetDir).absent;
  const fromCache = plan.filter((file) => fs.existsSync(finalPath(options, file.path))).map((file) => file.path);
  const wanted = plan.filter((file) => !fromCache.includes(file.path) && !(!file.required && absentBefore.includes(file.path)));
  if (wanted.length === 0) return { files: fromCache, fromCache, bytes: 0 };

  const http = new HubHttp(options);
  const remote: RemoteFile[] = [];
  const absent = absentBefore.filter((file) => !wanted.some((w) => w.path === file));
  for (const file of wanted) {
    const found = await http.describe(file);
    if (found) remote.push(found);
    else absent.push(file.path);
  }

  options.approve?.(remote.map((file) => ({ path: file.path, totalBytes: file.totalBytes })));
  fs.mkdirSync(options.targetDir, { recursive: true });
  await checkFreeSpace(options, remote);

  const progress = new OverallProgress(remote, options.onProgress);
  let bytes = 0;
  for (const file of remote) bytes += await http.fetchFile(file, progress);
  writeManifest(options.targetDir, absent);
  return { files: [...fromCache, ...remote.map((file) => file.path)], fromCache, bytes };
}

/** A file the Hub has, as its HEAD answer described it. */
interface RemoteFile {
  readonly path: string;
  readonly url: string;
  readonly totalBytes?: number;
  readonly digest: ExpectedDigest;
}

/** Adds `<graph>_data` (optional) after every `.onnx` graph in the plan that does not list it (nor its chunks). */
function withExternalData(files: readonly DownloadPlanFile[]): DownloadPlanFile[] {
  const plan: DownloadPlanFile[] = [];
  for (const file of files) {
    if (plan.some((p) => p.path === file.path)) continue;
    plan.push(file);
    const data = `${file.path}_data`;
    if (file.path.endsWith('.onnx') && !files.some((f) => f.path.startsWith(data))) plan.push({ path: data, required: false });
  }
  return plan;
}

/** Plan paths are relative, forward-slashed and cannot step out of the target folder. */
function checkPlanPath(file: string): void {
  const parts = file.split('/');
  if (file.includes('\\') || path.isAbsolute(file) || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new LensError('BAD_REQUEST', `"${file}" is not a file path inside a model folder.`);
  }
}

function finalPath(options: DownloadOptions, file: string): string {
  return path.join(options.targetDir, ...file.split('/'));
}

function readManifest(dir: string): { readonly absent: string[] } {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as { absent?: unknown };
    return { absent: Array.isArray(parsed.absent) ? parsed.absent.filter((a): a is string => typeof a === 'string') : [] };
  } catch {
    return { absent: [] }; // no manifest yet, or an unreadable one: ask the Hub again
  }
}

function writeManifest(dir: string, absent: readonly string[]): void {
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ absent }, null, 2));
}

function partialSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

async function statfsFreeBytes(dir: string): Promise<number> {
  const stats = await fs.promises.statfs(dir);
  return stats.bavail * stats.bsize;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Fails before any body is fetched when the bytes still to come (less what `.partial` files hold) do not fit. */
async function checkFreeSpace(options: DownloadOptions, files: readonly RemoteFile[]): Promise<void> {
  let needed = 0;
  for (const file of files) {
    const total = file.totalBytes ?? 0;
    const partial = partialSize(finalPath(options, file.path) + '.partial');
    needed += partial <= total ? total - partial : total;
  }
  const free = await (options.freeBytes ?? statfsFreeBytes)(options.targetDir);
  if (needed > free) {
    throw new LensError(
      'DOWNLOAD_FAILED',
      `Not enough disk space for ${options.modelId}: it needs ${mib(needed)} more, and ${options.targetDir} has ${mib(free)} free. Free some space and run again.`,
    );
  }
}

/** Turns byte counts into progress events: throttled, in order, speed and time left over all files. */
class OverallProgress {
  private readonly totalBytes: number | undefined;
  private readonly meter = new SpeedMeter();
  private doneBytes = 0; // of files already finished
  private transferred = 0; // over the network in this call, for the speed
  private lastEmitMs = -Infinity;

  constructor(
    files: readonly RemoteFile[],
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
  ) {
    this.totalBytes = files.every((file) => file.totalBytes !== undefined) ? files.reduce((sum, file) => sum + (file.totalBytes ?? 0), 0) : undefined;
  }

  /** `chunkBytes` more arrived of `file`, which now holds `receivedBytes`; `force` emits regardless of the throttle. */
  update(file: RemoteFile, receivedBytes: number, chunkBytes: number, force = false): void {
    this.transferred += chunkBytes;
    this.meter.record(this.transferred);
    const now = performance.now();
    if (!this.onProgress || (!force && now - this.lastEmitMs < PROGRESS_EVERY_MS)) return;
    this.lastEmitMs = now;
    const bytesPerSecond = this.meter.bytesPerSecond();
    const overall = this.doneBytes + receivedBytes;
    this.onProgress({
      file: file.path,
      receivedBytes,
      totalBytes: file.totalBytes,
      overallReceivedBytes: overall,
      ...(this.totalBytes === undefined ? {} : { overallTotalBytes: this.totalBytes }),
      bytesPerSecond,
      secondsLeft: this.totalBytes === undefined ? undefined : secondsLeft(this.totalBytes - overall, bytesPerSecond),
      fraction: this.totalBytes ? Math.min(1, overall / this.totalBytes) : undefined,
    });
  }

  /** `file` is complete with `bytes`. */
  finish(file: RemoteFile, bytes: number): void {
    this.update(file, bytes, 0, true);
    this.doneBytes += bytes;
  }
}

/** Why a request stopped early, so the error says the right thing. */
type StopReason = 'cancelled' | 'timeout';

/** The Hub's HTTP side: HEAD for metadata, GET with Range for bodies, with cancel, timeout and errors that say what to do. */
class HubHttp {
  private readonly host: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: DownloadOptions) {
    const url = new URL(options.hubUrl);
    this.host = url.host;
    this.base = options.hubUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The file's size and digest from a HEAD (following redirects by hand, since an LFS redirect carries them); undefined for an optional file the Hub lacks. */
  async describe(file: DownloadPlanFile): Promise<RemoteFile | undefined> {
    const resolveUrl = `${this.base}/${this.options.modelId}/resolve/${encodeURIComponent(this.options.revision)}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    let url = resolveUrl;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.request(url, file.path, { method: 'HEAD', redirect: 'manual' }, async (answer) => answer);
      const linked = response.headers.get('x-linked-etag');
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && !linked) {
        url = new URL(location, url).toString();
        continue;
      }
      if (response.status === 404 && !file.required) return undefined;
      if (response.status >= 400) throw this.statusError(response.status, file.path);
      const size = Number(response.headers.get('x-linked-size') ?? response.headers.get('content-length') ?? NaN);
      return {
        path: file.path,
        url: resolveUrl,
        totalBytes: Number.isFinite(size) && size >= 0 ? size : undefined,
        digest: expectedDigest(linked, response.headers.get('etag')),
      };
    }
    throw new LensError('DOWNLOAD_FAILED', `${this.host} redirected ${file.path} more than ${MAX_REDIRECTS} times; check attentionLens.hubUrl.`);
  }

  /** Fetches one file into `<file>.partial` (resuming it), verifies it and renames it; returns the bytes fetched. */
  async fetchFile(file: RemoteFile, progress: OverallProgress, allowResume = true): Promise<number> {
    const target = finalPath(this.options, file.path);
    const partial = target + '.partial';
    fs.mkdirSync(path.dirname(target), { recursive: true });
    let offset = allowResume ? partialSize(partial) : 0;
    if (file.totalBytes !== undefined && offset > file.totalBytes) offset = 0;
    const total = file.totalBytes ?? 0;
    let digest = new RunningDigest(file.digest, total);
    let fetched = 0;

    if (offset > 0) await hashExisting(partial, offset, digest);
    if (file.totalBytes === undefined || offset < file.totalBytes) {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const answer = await this.request(file.url, file.path, { headers }, async (response, alive) => {
        if (response.status === 416) return undefined; // our partial file is no prefix the server knows
        if (response.status >= 400) throw this.statusError(response.status, file.path);
        // A server that ignores Range answers 200 with the whole file: take it from the first byte.
        const from = response.status === 206 ? offset : 0;
        const fileDigest = from === offset ? digest : new RunningDigest(file.digest, total);
        return { fetched: await this.writeBody(response, file, partial, from, fileDigest, alive, progress), digest: fileDigest };
      });
      if (!answer) {
        fs.rmSync(partial, { force: true });
        if (allowResume) return this.fetchFile(file, progress, false);
        throw this.statusError(416, file.path);
      }
      fetched = answer.fetched;
      digest = answer.digest;
    }

    const size = partialSize(partial);
    const check = digest.matches();
    if ((file.totalBytes !== undefined && size !== file.totalBytes) || !check.ok) {
      fs.rmSync(partial, { force: true });
      const what = check.ok ? `${size} bytes (expected ${file.totalBytes})` : `${file.digest.kind} ${check.actual ?? '?'} (expected ${'hex' in file.digest ? file.digest.hex : '?'})`;
      throw new LensError(
        'DOWNLOAD_FAILED',
        `${file.path} from ${this.host} did not match its checksum: got ${what}. The damaged file was removed; run again to download it anew.`,
      );
    }
    fs.renameSync(partial, target);
    progress.finish(file, size);
    return fetched;
  }

  /** Streams an answer's body into `partial` from byte `from` on (appending, or truncating at 0); returns the bytes written. */
  private async writeBody(
    response: Response,
    file: RemoteFile,
    partial: string,
    from: number,
    digest: RunningDigest,
    alive: () => void,
    progress: OverallProgress,
  ): Promise<number> {
    const handle = await fs.promises.open(partial, from > 0 ? 'a' : 'w');
    try {
      let received = from;
      progress.update(file, received, 0, true);
      const reader = response.body?.getReader();
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array> | undefined;
        try {
          next = await reader?.read();
        } catch {
          throw this.endedEarly(file, received); // (request() reports a cancel or timeout as such instead)
        }
        if (!next || next.done) break;
        alive();
        await handle.write(next.value);
        digest.update(next.value);
        received += next.value.byteLength;
        progress.update(file, received, next.value.byteLength);
      }
      if (file.totalBytes !== undefined && received < file.totalBytes) throw this.endedEarly(file, received);
      return received - from;
    } finally {
      await handle.close();
    }
  }

  /**
   * One request whose answer `read` consumes, stopped by the caller's signal or by `timeoutMs`
   * without progress (`alive()` restarts that clock); network errors become DOWNLOAD_FAILED.
   */
  private async request<T>(url: string, file: string, init: RequestInit, read: (response: Response, alive: () => void) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let reason: StopReason | undefined;
    const stopWith = (why: StopReason): void => {
      reason ??= why;
      controller.abort();
    };
    const onCancel = (): void => stopWith('cancelled');
    if (this.options.signal?.aborted) throw this.cancelled(file);
    this.options.signal?.addEventListener('abort', onCancel);
    let timer = setTimeout(() => stopWith('timeout'), this.timeoutMs);
    const alive = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => stopWith('timeout'), this.timeoutMs);
    };
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      const response = await fetch(url, { ...init, headers, signal: controller.signal });
      alive();
      return await read(response, alive);
    } catch (error) {
      if (reason === 'cancelled') throw this.cancelled(file);
      if (reason === 'timeout') {
        throw new LensError('DOWNLOAD_FAILED', `${this.host} sent no data of ${file} for ${this.timeoutMs / 1000} s. Check the connection and run again; a partial file is resumed.`);
      }
      if (error instanceof LensError) throw error;
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new LensError('DOWNLOAD_FAILED', `The download of ${file} from ${this.host} failed (${cause}). Check the connection and run again; a partial file is resumed.`);
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener('abort', onCancel);
      controller.abort(); // drops a body nobody read (an error answer), so its connection closes
    }
  }

  private endedEarly(file: RemoteFile, received: number): LensError {
    const of = file.totalBytes === undefined ? '' : ` of ${file.totalBytes}`;
    return new LensError('DOWNLOAD_FAILED', `${this.host} ended ${file.path} after ${received}${of} bytes. Run again to resume it.`);
  }

  private cancelled(file: string): LensError {
    return new LensError('DOWNLOAD_CANCELLED', `The download of ${this.options.modelId} (at ${file}) from ${this.host} was cancelled; what came is kept, and the next load resumes it.`);
  }

  private statusError(status: number, file: string): LensError {
    const model = `${this.options.modelId}@${this.options.revision}`;
    if (status === 404) {
      return new LensError('DOWNLOAD_FAILED', `${this.host} has no ${file} for ${model} (HTTP 404): the file or the model does not exist at that revision. Check attentionLens.model.`);
    }
    if (status === 401 || status === 403) {
      const sent = this.options.token
        ? 'The access token Attention Lens sent was refused: check that it is valid and that its account accepted the model\'s terms on its page'
        : 'Accept the model\'s terms on its page, create an access token (huggingface.co/settings/tokens, read access) and store it with "Attention Lens: Set Hugging Face Token"';
      return new LensError(
        'DOWNLOAD_UNAUTHORIZED',
        `${this.host} refused ${file} of ${model} (HTTP ${status}): the model is gated or private (or does not exist), so it needs a Hugging Face access token. ${sent}; or choose a public model, or set attentionLens.model to a folder you downloaded yourself.`,
      );
    }
    return new LensError('DOWNLOAD_FAILED', `${this.host} answered HTTP ${status} for ${file} of ${model}. Run again later, or check attentionLens.hubUrl.`);
  }
}

/** Feeds the first `bytes` of an existing partial file to the digest, so a resumed file is verified whole. */
async function hashExisting(file: string, bytes: number, digest: RunningDigest): Promise<void> {
  const stream = fs.createReadStream(file, { start: 0, end: bytes - 1 });
  for await (const chunk of stream) digest.update(chunk as Buffer);
}
