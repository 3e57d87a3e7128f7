/** The per-platform packages of `npm run package:all`: each holds its own native binaries and no others, plus everything every package needs. */

import * as assert from 'assert';
import * as fs from 'fs';
import JSZip from 'jszip';
import * as path from 'path';

const repo = path.resolve(__dirname, '../../..');
const packageDir = path.join(repo, 'dist-vsix');
const ort = 'node_modules/onnxruntime-node/bin/napi-v6';
const dawn = 'node_modules/webgpu/dist';

interface ExpectedPackage {
  /** vsce's --target, or null for the universal package. */
  readonly target: string | null;
  /** Every native binary it ships, relative to the extension root: written out by hand, never derived from the packaging script. */
  readonly binaries: readonly string[];
}

function windowsBinaries(arch: string): readonly string[] {
  // onnxruntime-node's DirectML provider needs its DLLs beside the addon; Dawn needs its shader compilers beside dawn.node.
  const ortFiles = ['onnxruntime_binding.node', 'onnxruntime.dll', 'DirectML.dll', 'dxcompiler.dll', 'dxil.dll'];
  const dawnFiles = ['dawn.node', 'd3dcompiler_47.dll', 'dxcompiler.dll'];
  return [...ortFiles.map((file) => `${ort}/win32/${arch}/${file}`), ...dawnFiles.map((file) => `${dawn}/win32-${arch}/${file}`)];
}

const PACKAGES: Readonly<Record<string, ExpectedPackage>> = {
  'attention-lens-linux-x64.vsix': {
    target: 'linux-x64',
    binaries: [`${ort}/linux/x64/onnxruntime_binding.node`, `${ort}/linux/x64/libonnxruntime.so.1`, `${dawn}/linux-x64/dawn.node`],
  },
  'attention-lens-linux-arm64.vsix': {
    target: 'linux-arm64',
    binaries: [`${ort}/linux/arm64/onnxruntime_binding.node`, `${ort}/linux/arm64/libonnxruntime.so.1`, `${dawn}/linux-arm64/dawn.node`],
  },
  'attention-lens-darwin-arm64.vsix': {
    target: 'darwin-arm64',
    binaries: [
      `${ort}/darwin/arm64/onnxruntime_binding.node`,
      `${ort}/darwin/arm64/libonnxruntime.1.dylib`,
      `${ort}/darwin/arm64/libonnxruntime.1.30.0.dylib`,
      `${dawn}/darwin-universal/dawn.node`,
    ],
  },
  'attention-lens-win32-x64.vsix': { target: 'win32-x64', binaries: windowsBinaries('x64') },
  'attention-lens-win32-arm64.vsix': { target: 'win32-arm64', binaries: windowsBinaries('arm64') },
  'attention-lens-universal.vsix': { target: null, binaries: [] },
};

// What every package needs whatever the platform: the bundles, the WASM runtime (the fallback everywhere), the bundled model.
const EVERY_PACKAGE = [
  'package.json',
  'dist/extension.js',
  'dist/worker.js',
  'dist/webgpuProbeProcess.js',
  'dist/webview.js',
  'node_modules/onnxruntime-web/package.json',
  'node_modules/onnxruntime-web/dist/ort.node.min.js',
  'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs',
  'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm',
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/index.js',
  'models/lens-coder/config.json',
  'models/lens-coder/generation_config.json',
  'models/lens-coder/tokenizer.json',
  'models/lens-coder/tokenizer_config.json',
  'models/lens-coder/MODEL_CARD.md',
  'models/lens-coder/onnx/model_quantized.onnx',
];

const NEVER_SHIPPED = ['test/', 'src/', '.cache/', 'tools/'];
const NATIVE_FILE = /\.(node|dll|dylib)$|\.so(\.\d+)*$/i;

/** The files a .vsix holds under extension/ (the extension root), sorted. */
function extensionFiles(zip: JSZip): string[] {
  return Object.values(zip.files)
    .filter((entry) => !entry.dir && entry.name.startsWith('extension/'))
    .map((entry) => entry.name.slice('extension/'.length))
    .sort();
}

describe('per-platform packages (npm run package:all)', function () {
  it('dist-vsix holds exactly one package per target and the universal one', () => {
    const built = fs.readdirSync(packageDir).filter((file) => /^attention-lens-.+\.vsix$/.test(file)).sort();
    assert.deepStrictEqual(built, Object.keys(PACKAGES).sort(), 'run `npm run package:all` (a stale or missing package here)');
  });

  for (const [name, expected] of Object.entries(PACKAGES)) {
    describe(name, () => {
      let zip: JSZip;
      let files: string[];

      before(async () => {
        zip = await JSZip.loadAsync(fs.readFileSync(path.join(packageDir, name)));
        files = extensionFiles(zip);
      });

      it(`ships ${expected.binaries.length === 0 ? 'no native binary' : 'its own native binaries and no others'}`, () => {
        const binaries = files.filter((file) => NATIVE_FILE.test(path.posix.basename(file)));
        assert.deepStrictEqual(binaries, [...expected.binaries].sort());
      });

      it('has the bundles, the WASM runtime and the bundled model', () => {
        const missing = EVERY_PACKAGE.filter((file) => !files.includes(file));
        assert.deepStrictEqual(missing, []);
      });

      it(expected.target ? `names ${expected.target} as its TargetPlatform` : 'names no TargetPlatform', async () => {
        const manifestEntry = zip.file('extension.vsixmanifest');
        assert.ok(manifestEntry, 'no extension.vsixmanifest');
        const identity = (await manifestEntry.async('string')).match(/<Identity\b[^>]*>/)?.[0] ?? '';
        assert.ok(identity, 'the manifest has no <Identity> element');
        const targetPlatform = identity.match(/\bTargetPlatform="([^"]*)"/)?.[1] ?? null;
        assert.strictEqual(targetPlatform, expected.target);
      });

      it('holds no test/, src/, .cache/ or tools/', () => {
        const stray = files.filter((file) => NEVER_SHIPPED.some((folder) => file.startsWith(folder)));
        assert.deepStrictEqual(stray, []);
      });
    });
  }
});
