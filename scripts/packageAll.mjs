// `npm run package:all` (after a build): one .vsix per platform, each holding only its own native
// binaries (onnxruntime-node's library for the cpu backend, Dawn's addon for the WebGPU probe), and
// a universal .vsix with none (it runs on WASM everywhere). Writes dist-vsix/attention-lens-<t>.vsix
// and leaves dist-vsix/attention-lens.vsix (`npm run package`) alone. Every package's ignore file is
// derived from .vscodeignore, the one list of what ships: only its native lines change per target.
// Prints a table (package, size, files); exits non-zero when vsce fails or prints a warning.
// Usage: node scripts/packageAll.mjs [--list]   (--list: print each package's files, package nothing)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const JSZip = require('jszip');
const outDir = path.join(repo, 'dist-vsix');
const onnxBin = 'node_modules/onnxruntime-node/bin/napi-v6';
const dawnDist = 'node_modules/webgpu/dist';
// The same flags as `npm run package` (package.json), so every package is built alike.
const VSCE_FLAGS = ['--allow-missing-repository', '--no-rewrite-relative-links', '--no-update-package-json', '--no-git-tag-version'];
const NATIVE_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

// The lines of .vscodeignore a target rewrites; each must be there exactly once.
const ONNX_LINE = /^!node_modules\/onnxruntime-node\/bin\//;
const DAWN_LINE = /^!node_modules\/webgpu\/dist\//;
const DAWN_PACKAGE_LINE = /^!node_modules\/webgpu\//;

/** What one package ships natively: onnxruntime-node's folder and Dawn's, or null for none. */
function nativeFolders(target) {
  if (target === 'universal') return { onnx: null, dawn: null };
  const [platform, arch] = target.split('-');
  const onnx = `${onnxBin}/${platform}/${arch}`;
  if (!fs.existsSync(path.join(repo, onnx, 'onnxruntime_binding.node'))) {
    throw new Error(`${target}: onnxruntime-node has no build in ${onnx} (ship the universal package there)`);
  }
  // Dawn ships one universal build for macOS, as its index.js and webgpuProbeProcess.ts pick it.
  const dawn = `${dawnDist}/${platform === 'darwin' ? 'darwin-universal' : target}`;
  return { onnx, dawn: fs.existsSync(path.join(repo, dawn, 'dawn.node')) ? dawn : null };
}

/** .vscodeignore with its native lines swapped for the target's (the whole folder: win32's DLLs sit beside the addons). */
function ignoreFileFor(target, base) {
  const { onnx, dawn } = nativeFolders(target);
  const lines = base.split('\n');
  for (const [pattern, what] of [[ONNX_LINE, 'onnxruntime-node library'], [DAWN_LINE, 'Dawn addon']]) {
    const found = lines.filter((line) => pattern.test(line)).length;
    if (found !== 1) throw new Error(`.vscodeignore has ${found} ${what} lines (${pattern}), expected 1: update scripts/packageAll.mjs`);
  }
  const out = [];
  for (const line of lines) {
    if (ONNX_LINE.test(line)) {
      if (onnx) out.push(`!${onnx}/**`);
    } else if (DAWN_LINE.test(line)) {
      if (dawn) out.push(`!${dawn}/**`);
    } else if (!(target === 'universal' && DAWN_PACKAGE_LINE.test(line))) {
      // The universal package has no Dawn at all, so not even the package's manifest.
      out.push(line);
    }
  }
  return out.join('\n');
}

/** Runs vsce with the given arguments; returns its output, echoed, and the warnings in it. */
function vsce(args) {
  const bin = path.join(repo, 'node_modules', '.bin', 'vsce');
  // stdin closed: a question vsce asks (it asks on some warnings) ends the run instead of hanging it.
  const run = spawnSync(bin, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.error) throw run.error;
  if (run.status !== 0) {
    process.stderr.write(output);
    throw new Error(`vsce ${args[0]} failed (exit ${run.status})`);
  }
  const warnings = output.split('\n').filter((line) => /\bWARNING\b/i.test(line)).map((line) => line.trim());
  return { output, warnings };
}

/** Number of files in a .vsix (a zip), folders not counted. */
async function fileCount(file) {
  const zip = await JSZip.loadAsync(fs.readFileSync(file));
  return Object.values(zip.files).filter((entry) => !entry.dir).length;
}

async function main() {
  const listOnly = process.argv.includes('--list');
  if (!listOnly && !fs.existsSync(path.join(repo, 'dist', 'extension.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (or `npm run package:all`)');
  }
  const base = fs.readFileSync(path.join(repo, '.vscodeignore'), 'utf8');
  // Ignore files live outside the repo, so none can end up in a package.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-package-'));
  fs.mkdirSync(outDir, { recursive: true });
  const rows = [];
  const warnings = [];
  const started = Date.now();
  try {
    for (const target of [...NATIVE_TARGETS, 'universal']) {
      const ignoreFile = path.join(scratch, `${target}.vscodeignore`);
      fs.writeFileSync(ignoreFile, ignoreFileFor(target, base));
      if (listOnly) {
        console.log(`── ${target} ──\n${vsce(['ls', '--ignoreFile', ignoreFile]).output.trim()}`);
        continue;
      }
      const file = path.join(outDir, `attention-lens-${target}.vsix`);
      fs.rmSync(file, { force: true });
      const targetFlags = target === 'universal' ? [] : ['--target', target];
      const packageStarted = Date.now();
      const run = vsce(['package', ...targetFlags, '--ignoreFile', ignoreFile, ...VSCE_FLAGS, '-o', file]);
      process.stdout.write(run.output);
      warnings.push(...run.warnings.map((line) => `${target}: ${line}`));
      rows.push({ name: path.basename(file), mb: fs.statSync(file).size / 2 ** 20, files: await fileCount(file), s: (Date.now() - packageStarted) / 1000 });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (listOnly) return;
  const width = Math.max(...rows.map((row) => row.name.length));
  // MB as vsce counts them (2^20 bytes), so the table agrees with its "Packaged:" lines above.
  console.log(`\n${'package'.padEnd(width)}  ${'MB'.padStart(7)}  ${'files'.padStart(5)}  ${'time'.padStart(6)}`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(width)}  ${row.mb.toFixed(1).padStart(7)}  ${String(row.files).padStart(5)}  ${`${row.s.toFixed(0)}s`.padStart(6)}`);
  }
  console.log(`${rows.length} packages in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  if (warnings.length > 0) {
    console.error(`\nvsce printed ${warnings.length} warning(s):\n${warnings.join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`package:all: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
