// Builds a small synthetic AttentionCapture for the browser tests: random q/k/v, probabilities
// computed from them by src/webview-ui/attentionMath.ts (loaded through the TypeScript compiler, so
// the test uses the same code the panel does, without a full project build).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';

const require = createRequire(import.meta.url);

/** Transpiles one TypeScript module with no run-time imports (`folder/name` under src/) and loads it. */
export function loadSourceModule(repoRoot, module, buildDir) {
  const name = path.basename(module);
  const source = fs.readFileSync(path.join(repoRoot, 'src', `${module}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  fs.mkdirSync(buildDir, { recursive: true });
  const file = path.join(buildDir, `${name}.cjs`);
  fs.writeFileSync(file, outputText);
  return require(file);
}

/** Deterministic numbers in [-1, 1). */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Packs a Float32Array as base64, which crosses into the page far faster than a list of numbers. */
function packed(dims, data) {
  return { dims, base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

/**
 * A capture of `tokens` (default: six pieces with a space, a newline and a tab in them) over
 * `layers` × `heads` heads. Tensors are `{ dims, base64 }` (see `unpackInPage`), `dataOf` reads one back.
 */
export function syntheticCapture(math, { layers = 2, heads = 2, headDim = 12, dModel = 16, withQkv = true, tokens = ['def', ' f', '(x', '):\n', '\t', ' return'], cut } = {}) {
  const T = tokens.length;
  const next = seeded(42);
  const random = (n, scale) => Float32Array.from({ length: n }, () => next() * scale);
  const q = random(layers * heads * T * headDim, 1.5); // [layers, heads, T, headDim]
  const k = random(layers * heads * T * headDim, 1.5);
  const v = random(layers * heads * T * headDim, 1);
  const probs = new Float32Array(layers * heads * T * T); // [layers, heads, T, T]
  const qkv = (tensor, l, h) => tensor.subarray((l * heads + h) * T * headDim, (l * heads + h + 1) * T * headDim);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) probs.set(math.causalAttention(qkv(q, l, h), qkv(k, l, h), headDim), (l * heads + h) * T * T);
  }
  let offset = 0;
  const offsets = tokens.map((t) => [offset, (offset += t.length)]);
  const plain = packed;
  const qkvDims = [layers, heads, T, headDim];
  return {
    tokens,
    tokenIds: tokens.map((_, i) => 100 + i),
    offsets,
    text: tokens.join(''),
    layers,
    heads,
    headDim,
    modelName: 'synthetic-test-model',
    probs: plain([layers, heads, T, T], probs),
    ...(withQkv ? { q: plain(qkvDims, q), k: plain(qkvDims, k), v: plain(qkvDims, v) } : {}),
    embedTokens: plain([T, dModel], random(T * dModel, 1)),
    embedPositions: plain([T, dModel], random(T * dModel, 0.5)),
    positionKind: 'learned',
    ...(cut ? { cut } : {}),
    origin: { kind: 'selection', label: 'example.py:1-2' },
  };
}

/** The numbers of a packed tensor, in Node. */
export function dataOf(tensor) {
  const bytes = Buffer.from(tensor.base64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
