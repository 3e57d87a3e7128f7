/**
 * The WebGPU adapter probe as the worker runs it: a real child process with Dawn for Node, and
 * what `auto` hears when that process finds no driver, finds lavapipe, hangs, crashes or is missing.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_PROBE_SCRIPT, probeWebGpuAdapter } from '../../src/worker/webgpuAdapter';

const repo = path.resolve(__dirname, '../../..');
const icdFile = path.join(repo, '.cache/lavapipe/lvp_icd.json');

/** Runs `body` with VK_ICD_FILENAMES set (the probe process inherits the environment at spawn). */
async function withIcd<T>(icd: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = icd;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = before;
  }
}

describe('WebGPU adapter probe (child process)', function () {
  this.timeout(30_000);
  let scripts: string;

  before(() => {
    scripts = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-probe-'));
  });
  after(() => fs.rmSync(scripts, { recursive: true, force: true }));

  /** A stand-in probe script with the given body. */
  function script(name: string, body: string): string {
    const file = path.join(scripts, name);
    fs.writeFileSync(file, body);
    return file;
  }

  it('is built beside the worker code', () => {
    assert.ok(fs.existsSync(DEFAULT_PROBE_SCRIPT), `${DEFAULT_PROBE_SCRIPT} is missing`);
  });

  it('reports no adapter, with Dawn\'s reason, when Vulkan finds no driver', async () => {
    const result = await withIcd(path.join(repo, '.cache/no-such-icd.json'), () => probeWebGpuAdapter());
    assert.strictEqual(result.probe, undefined);
    assert.match(result.note ?? '', /^no WebGPU adapter; Dawn: \S/); // e.g. "loader_get_json: Failed to open JSON file …"
  });

  it('reads lavapipe as a software fallback adapter', async function () {
    if (!fs.existsSync(icdFile)) return this.skip(); // scripts/install-lavapipe.sh puts it there (CI runs it)
    const result = await withIcd(icdFile, () => probeWebGpuAdapter());
    assert.ok(result.probe, result.note);
    assert.strictEqual(result.probe.vendor, 'mesa');
    assert.strictEqual(result.probe.architecture, 'software');
    assert.strictEqual(result.probe.isFallbackAdapter, true);
    assert.match(result.probe.description, /llvmpipe/);
  });

  it('stops a probe that hangs and says so', async () => {
    const hanging = script('hang.js', 'setInterval(() => undefined, 1000);');
    const started = Date.now();
    const result = await probeWebGpuAdapter({ script: hanging, timeoutMs: 500 });
    assert.strictEqual(result.note, 'no WebGPU adapter (the probe took over 500 ms and was stopped)');
    assert.ok(Date.now() - started < 10_000, 'the hanging probe was not stopped');
  });

  it('survives a probe that crashes, naming the signal', async () => {
    const crashing = script('crash.js', "process.kill(process.pid, 'SIGSEGV');");
    const result = await probeWebGpuAdapter({ script: crashing });
    assert.strictEqual(result.note, 'no WebGPU adapter (the probe was killed by SIGSEGV)');
  });

  it('passes on the last words of a probe that fails', async () => {
    const failing = script('fail.js', "console.error('Vulkan exploded'); process.exit(3);");
    const result = await probeWebGpuAdapter({ script: failing });
    assert.strictEqual(result.note, 'no WebGPU adapter (the probe exited with code 3: Vulkan exploded)');
  });

  it('says the probe is missing rather than failing the load', async () => {
    const result = await probeWebGpuAdapter({ script: path.join(scripts, 'nothing-here.js') });
    assert.strictEqual(result.note, 'no WebGPU probe (nothing-here.js is missing)');
  });

  it('never takes a report it cannot read for an adapter', async () => {
    const lying = script('lie.js', "console.log('attention-lens-webgpu-probe {\"type\":\"adapter\"}');");
    const result = await probeWebGpuAdapter({ script: lying });
    assert.strictEqual(result.probe, undefined);
    assert.match(result.note ?? '', /unknown shape/);
  });
});
