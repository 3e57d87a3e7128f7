/**
 * The Hub download manager against a real local server in the Hub layout (rangeHub.ts): progress
 * with speed and time left, cancel within a second, resume with Range (and a clean restart when
 * Range is ignored), sha256 / git sha1 checks, errors that name host and file, the disk-space check,
 * external data beside its graph, and a second call answered from the folder without a request.
 */

import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gitSha1, sha256, startRangeHub, type RangeHub } from './rangeHub';
import { settleWithin } from './settleWithin';
import { LensError, type ErrorCode } from '../../src/common/errors';
import { SpeedMeter, secondsLeft } from '../../src/worker/downloadProgress';
import { downloadModelFiles, modelFilesFor, type DownloadOptions, type DownloadProgress } from '../../src/worker/hubDownloader';

const MODEL = 'test-org/tiny';
const REVISION = 'main';
const GRAPH = 'onnx/model_quantized.onnx';
const DATA = 'onnx/model_quantized.onnx_data';

/** A model in the Hub layout with random weights; no generation_config.json, which is optional. */
function modelFiles(): Map<string, Buffer> {
  return new Map([
    ['config.json', Buffer.from(JSON.stringify({ model_type: 'gpt2', n_positions: 128 }))],
    ['tokenizer.json', Buffer.from(JSON.stringify({ version: '1.0', model: { vocab: { a: 0 } } }))],
    ['tokenizer_config.json', Buffer.from(JSON.stringify({ eos_token: '<|endoftext|>' }))],
    [GRAPH, randomBytes(200_000)],
    [DATA, randomBytes(300_000)],
  ]);
}

/** Expects a LensError of `code` whose message contains every one of `parts`. */
function assertFailedWith(error: unknown, code: ErrorCode, ...parts: string[]): void {
  assert.ok(error instanceof LensError, `expected a LensError, got ${String(error)}`);
  assert.strictEqual(error.code, code, error.message);
  for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" should mention "${part}"`);
}

/** Expects a DOWNLOAD_FAILED whose message contains every one of `parts`. */
function assertDownloadFailed(error: unknown, ...parts: string[]): void {
  assertFailedWith(error, 'DOWNLOAD_FAILED', ...parts);
}

describe('hub downloader (local Range server)', function () {
  this.timeout(20_000);
  let files: Map<string, Buffer>;
  let hub: RangeHub;
  let dir: string;

  const options = (more: Partial<DownloadOptions> = {}): DownloadOptions => ({
    hubUrl: hub.url,
    modelId: MODEL,
    revision: REVISION,
    targetDir: dir,
    files: modelFilesFor('q8'),
    timeoutMs: 5000,
    ...more,
  });
  const local = (file: string): string => path.join(dir, ...file.split('/'));
  const bodyGets = (): string[] => hub.requests.filter((r) => r.method === 'GET').map((r) => r.url);

  beforeEach(async () => {
    files = modelFiles();
    hub = await startRangeHub(MODEL, REVISION, files);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-download-'));
  });

  afterEach(async () => {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the files of a dtype, the graph with its external data', () => {
    assert.deepStrictEqual(modelFilesFor('fp32'), [
      { path: 'config.json', required: true },
      { path: 'tokenizer.json', required: true },
      { path: 'tokenizer_config.json', required: true },
      { path: 'generation_config.json', required: false },
      { path: 'chat_template.jinja', required: false },
      { path: 'onnx/model.onnx', required: true },
      { path: 'onnx/model.onnx_data', required: false },
    ]);
    // config.json's use_external_data_format: 3 → three required chunks, named as transformers.js names them.
    assert.deepStrictEqual(modelFilesFor('q4', 3).slice(-3), [
      { path: 'onnx/model_q4.onnx_data', required: true },
      { path: 'onnx/model_q4.onnx_data_1', required: true },
      { path: 'onnx/model_q4.onnx_data_2', required: true },
    ]);
    assert.throws(() => modelFilesFor('q4', 101), (e: unknown) => e instanceof LensError && e.code === 'MODEL_INVALID');
    assert.throws(() => modelFilesFor('../x'), (e: unknown) => e instanceof LensError && e.code === 'BAD_REQUEST');
  });

  it('measures speed over the last seconds, so a stall shows within the window', () => {
    let now = 0;
    const meter = new SpeedMeter(() => now);
    for (let second = 0; second <= 10; second++, now += 1000) meter.record(second * 1000); // 1000 B/s for 10 s
    assert.strictEqual(meter.bytesPerSecond(), 1000);
    for (let second = 0; second < 4; second++, now += 1000) meter.record(10_000); // then nothing
    assert.strictEqual(meter.bytesPerSecond(), 0);
    assert.strictEqual(secondsLeft(5000, 1000), 5);
    assert.strictEqual(secondsLeft(5000, 0), undefined);
  });

  it('downloads every file with verified bytes, reporting progress in order with speed and time left', async () => {
    hub.behave(GRAPH, { bytesPerSecond: 1_000_000 });
    hub.behave(DATA, { bytesPerSecond: 500_000 });
    const events: DownloadProgress[] = [];
    // A timeout shorter than the whole transfer: only a gap between chunks may trip it.
    const result = await downloadModelFiles(options({ onProgress: (p) => events.push(p), timeoutMs: 300 }));

    assert.deepStrictEqual([...result.files].sort(), [...files.keys()].sort());
    assert.deepStrictEqual(result.fromCache, []);
    assert.strictEqual(result.bytes, [...files.values()].reduce((sum, b) => sum + b.length, 0));
    for (const [file, bytes] of files) assert.strictEqual(sha256(fs.readFileSync(local(file))), sha256(bytes), file);
    assert.ok(!fs.existsSync(local('generation_config.json')), 'an optional file the hub lacks is skipped');
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'onnx')).filter((f) => f.endsWith('.partial')), []);

    const fractions = events.map((e) => e.fraction ?? NaN);
    assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), `fractions in order: ${fractions.join(' ')}`);
    assert.strictEqual(fractions[fractions.length - 1], 1);
    const during = events.filter((e) => e.file === DATA && e.receivedBytes > 0 && e.receivedBytes < (e.totalBytes ?? 0));
    assert.ok(during.length >= 3, `several events while the data file streams, got ${during.length}`);
    for (const event of during) {
      assert.strictEqual(event.totalBytes, files.get(DATA)?.length);
      assert.ok(event.bytesPerSecond > 100_000 && event.bytesPerSecond < 2_500_000, `speed near 0.5-1 MB/s: ${event.bytesPerSecond}`);
      assert.ok(event.secondsLeft !== undefined && event.secondsLeft > 0 && event.secondsLeft < 2, `time left: ${event.secondsLeft}`);
    }
  });

  it('brings a graph\'s external data with it, and serves a second call from the folder without a request', async () => {
    const first = await downloadModelFiles(options({ files: [{ path: GRAPH, required: true }, ...modelFilesFor('q8').slice(0, 5)] }));
    assert.ok(first.files.includes(DATA), 'the .onnx_data came with its graph');
    assert.strictEqual(sha256(fs.readFileSync(local(DATA))), sha256(files.get(DATA) as Buffer));

    const before = hub.requests.length;
    const second = await downloadModelFiles(options());
    assert.strictEqual(hub.requests.length, before, 'no request on a cache hit, not even for the absent optional file');
    assert.deepStrictEqual([...second.fromCache].sort(), [...files.keys()].sort());
    assert.strictEqual(second.bytes, 0);
  });

  it('cancels mid-file within a second, leaving no file that would load, and resumes with Range', async () => {
    hub.behave(DATA, { bytesPerSecond: 100_000 });
    const controller = new AbortController();
    let abortedAt = 0;
    const download = downloadModelFiles(
      options({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.file === DATA && p.receivedBytes > 20_000 && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      }),
    );
    const { error } = await settleWithin(download, 'cancelled download', 10_000);
    const settleMs = performance.now() - abortedAt;
    assertFailedWith(error, 'DOWNLOAD_CANCELLED', 'cancelled', DATA, hub.host, 'resumes');
    assert.ok(settleMs < 1000, `settled ${settleMs.toFixed(0)} ms after the abort`);
    assert.ok(!fs.existsSync(local(DATA)), 'no final file after a cancel');
    const kept = fs.statSync(local(DATA) + '.partial').size;
    assert.ok(kept > 20_000 && kept < 300_000, `partial file kept for resume: ${kept} bytes`);

    hub.behave(DATA, {});
    const resumed = await downloadModelFiles(options());
    // The resolve URL redirects to the CDN path, and the Range header travels with the redirect.
    const ranges = hub.requests.filter((r) => r.method === 'GET' && r.range !== undefined).map((r) => `${r.url.split('/')[1]} ${r.range}`);
    assert.deepStrictEqual(ranges, [`${MODEL.split('/')[0]} bytes=${kept}-`, `cdn bytes=${kept}-`]);
    assert.strictEqual(resumed.bytes, 300_000 - kept, 'only the rest was fetched');
    assert.strictEqual(sha256(fs.readFileSync(local(DATA))), sha256(files.get(DATA) as Buffer));
    assert.ok(!fs.existsSync(local(DATA) + '.partial'));
  });

  it('restarts cleanly when the server ignores Range', async () => {
    fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    fs.writeFileSync(local(GRAPH) + '.partial', Buffer.alloc(5000, 7)); // not a prefix of the real bytes
    hub.behave(GRAPH, { ignoreRange: true });
    const result = await downloadModelFiles(options());
    assert.ok(hub.requests.some((r) => r.range === 'bytes=5000-'), 'a resume was asked for');
    assert.strictEqual(sha256(fs.readFileSync(local(GRAPH))), sha256(files.get(GRAPH) as Buffer));
    assert.ok(result.bytes >= 500_000, 'the whole graph came again');
  });

  it('names the host and file on a 404 for a required file', async () => {
    hub.behave('tokenizer.json', { status: 404 });
    const { error } = await settleWithin(downloadModelFiles(options()), '404 download', 10_000);
    assertDownloadFailed(error, hub.host, 'tokenizer.json', 'does not exist at that revision', REVISION);
    assert.deepStrictEqual(bodyGets(), [], 'nothing is fetched when the plan cannot be met');
  });

  it('says a token is needed on a 401, and sends the token it has', async () => {
    hub.behave('config.json', { status: 401 });
    const { error } = await settleWithin(downloadModelFiles(options({ token: 'hf_test' })), '401 download', 10_000);
    assertFailedWith(error, 'DOWNLOAD_UNAUTHORIZED', hub.host, 'config.json', 'gated or private', 'token', 'was refused', 'attentionLens.model');
    assert.ok(!(error as Error).message.includes('hf_test'), 'the token is never in a message');
    assert.strictEqual(hub.requests[0].authorization, 'Bearer hf_test');
    // Without a token the message says how to get one and where to put it.
    const without = await settleWithin(downloadModelFiles(options()), '401 without token', 10_000);
    assertFailedWith(without.error, 'DOWNLOAD_UNAUTHORIZED', 'Accept the model\'s terms', 'Attention Lens: Set Hugging Face Token');
    assert.strictEqual(hub.requests[hub.requests.length - 1].authorization, undefined, 'no authorization header without a token');
  });

  it('fails a body that ends before its content-length, keeping it only as .partial to resume', async () => {
    hub.behave(GRAPH, { truncateAtBytes: 50_000 });
    const { error } = await settleWithin(downloadModelFiles(options()), 'truncated download', 10_000);
    assertDownloadFailed(error, hub.host, GRAPH, 'of 200000 bytes', 'Run again to resume');
    assert.ok(!fs.existsSync(local(GRAPH)));
    const kept = Number(/after (\d+) of/.exec((error as Error).message)?.[1]);
    assert.strictEqual(fs.statSync(local(GRAPH) + '.partial').size, kept, 'the partial file holds what the message says');
    assert.ok(kept > 0 && kept <= 50_000, `kept ${kept} bytes`);

    hub.behave(GRAPH, {});
    await downloadModelFiles(options());
    assert.ok(hub.requests.some((r) => r.url.startsWith('/cdn/') && r.range === `bytes=${kept}-`), 'the next run resumed');
    assert.strictEqual(sha256(fs.readFileSync(local(GRAPH))), sha256(files.get(GRAPH) as Buffer));
  });

  it('gives up on a server that stops sending, after the timeout', async () => {
    hub.behave(GRAPH, { hangAfterBytes: 1000 });
    const started = performance.now();
    const { error } = await settleWithin(downloadModelFiles(options({ timeoutMs: 300 })), 'hanging download', 5000);
    assertDownloadFailed(error, hub.host, GRAPH, 'no data', '0.3 s');
    assert.ok(performance.now() - started < 2000);
    assert.ok(!fs.existsSync(local(GRAPH)));
  });

  it('removes a file whose sha256 (LFS) or git sha1 (plain) does not match', async () => {
    hub.behave(GRAPH, { wrongChecksum: true });
    const lfs = await settleWithin(downloadModelFiles(options()), 'lfs checksum', 10_000);
    assertDownloadFailed(lfs.error, hub.host, GRAPH, 'sha256', 'removed', 'run again');
    assert.ok(!fs.existsSync(local(GRAPH)) && !fs.existsSync(local(GRAPH) + '.partial'));

    hub.behave(GRAPH, {});
    fs.unlinkSync(local('config.json'));
    hub.behave('config.json', { wrongChecksum: true });
    const git = await settleWithin(downloadModelFiles(options()), 'git checksum', 10_000);
    assertDownloadFailed(git.error, 'config.json', 'git-sha1', gitSha1(Buffer.from('other')));
    assert.ok(!fs.existsSync(local('config.json')));
  });

  it('checks free space before fetching any body', async () => {
    const { error } = await settleWithin(downloadModelFiles(options({ freeBytes: async () => 100_000 })), 'no space', 10_000);
    assertDownloadFailed(error, 'Not enough disk space', '0.5 MiB more', '0.1 MiB free');
    assert.deepStrictEqual(bodyGets(), []);
  });
});
