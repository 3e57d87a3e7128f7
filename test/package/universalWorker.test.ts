/**
 * The universal package runs: its own dist/worker.js loads its bundled model on WASM under `auto`,
 * saying the native addon did not load, and serves generation and attention there.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import JSZip from 'jszip';
import * as os from 'os';
import * as path from 'path';
import { InferenceClient } from '../../src/inference/inferenceClient';

const repo = path.resolve(__dirname, '../../..');
const universalPackage = path.join(repo, 'dist-vsix', 'attention-lens-universal.vsix');

/** Writes the files under extension/ of a .vsix into `dir`; returns the extension root. */
async function unpackExtension(file: string, dir: string): Promise<string> {
  const zip = await JSZip.loadAsync(fs.readFileSync(file));
  for (const entry of Object.values(zip.files)) {
    if (entry.dir || !entry.name.startsWith('extension/')) continue;
    const target = path.join(dir, entry.name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, await entry.async('nodebuffer'));
  }
  return path.join(dir, 'extension');
}

describe('the universal package (no native binaries)', function () {
  this.timeout(180_000);
  let scratch: string;
  let client: InferenceClient | undefined;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-universal-'));
  });

  after(async () => {
    await client?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('loads its bundled model on wasm under auto, because the native addon does not load', async () => {
    const extension = await unpackExtension(universalPackage, scratch);
    client = new InferenceClient({
      workerPath: path.join(extension, 'dist', 'worker.js'),
      startData: { wasmDir: path.join(extension, 'node_modules', 'onnxruntime-web', 'dist'), wasmThreads: 1 },
      requestTimeoutMs: () => 120_000,
      loadTimeoutMs: 120_000,
    });
    const info = await client.load({ source: { kind: 'folder', path: path.join(extension, 'models', 'lens-coder'), displayName: 'lens-coder' }, device: 'auto', dtype: 'auto' });
    assert.strictEqual(info.backend, 'wasm');
    assert.match(info.backendReason, /onnxruntime-node did not load/);
    // And it serves: greedy tokens from the WASM runtime, with the attention taps too.
    const done = await client.generate({ priority: 'command', prompt: 'function add(a, b) {\n  return', maxNewTokens: 6 });
    assert.ok(done.tokenIds.length > 0, 'no tokens');
    const attention = await client.attention({ text: 'const x = 1;', maxTokens: 64, origin: { kind: 'selection', label: 'test' } });
    assert.ok(attention.capture.tokens.length > 3);
  });
});
