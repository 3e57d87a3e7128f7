/**
 * Tap injection (src/worker/onnxTapInjector.ts, tappedSession.ts) on the fixtures made by
 * tools/model/make_tap_fixtures.py: the untapped GPT-2-style model against its tapped original
 * (test/fixtures/tiny-model), a fused GroupQueryAttention graph against a torch reference, graphs
 * that cannot be tapped, the untapped model with its weights moved into external data chunks (on
 * onnxruntime-node and onnxruntime-web), and the real Engine loading the untapped model.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { pathToFileURL } from 'url';
import { AttributeProtoSchema, ModelProtoSchema, NodeProtoSchema, StringStringEntryProtoSchema, TensorProtoSchema, ValueInfoProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import type { AttentionCapture } from '../../src/common/attentionData';
import { Engine } from '../../src/worker/engine';
import { injectAttentionTaps, type InjectedTaps } from '../../src/worker/onnxTapInjector';
import { backendRecord } from '../../src/worker/backendTable';
import { externalDataLocations, optionsForGraphBytes } from '../../src/worker/onnxExternalData';
import { decideTaps, loadWithAttentionTaps } from '../../src/worker/tappedSession';

const repo = path.resolve(__dirname, '../../..');
const tinyModel = path.join(repo, 'test/fixtures/tiny-model');
const untapped = path.join(repo, 'test/fixtures/untapped-gpt2');
const gqaFixture = path.join(repo, 'test/fixtures/gqa-attention');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const origin: AttentionCapture['origin'] = { kind: 'selection', label: 'tap injection test' };

const LAYERS = 2;
const HEADS = 2;
const HEAD_DIM = 16;
const TOKEN_IDS = [17, 300, 42, 9, 511, 128, 77, 64, 3, 250, 12];

const readBytes = (file: string): Uint8Array => new Uint8Array(fs.readFileSync(file));

/** Feeds for one prompt pass of the tiny GPT-2 graph: no past, all tokens attended. */
function gpt2Feeds(ids: readonly number[]): Record<string, ort.Tensor> {
  const T = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, T]),
  };
  for (let layer = 0; layer < LAYERS; layer++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, HEADS, 0, HEAD_DIM]);
    }
  }
  return feeds;
}

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  assert.deepStrictEqual(a.dims, b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

/** Checks [1, heads, T, T] probabilities: rows sum to 1, cells after the diagonal exactly 0. */
function assertCausalRows(probs: ort.Tensor | { dims: readonly number[]; data: Float32Array }, label: string): void {
  const dims = probs.dims;
  const [groups, T] = [dims.slice(0, -2).reduce((a, b) => a * b, 1), dims[dims.length - 1]];
  const data = probs.data as Float32Array;
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) {
        const p = data[(g * T + i) * T + j];
        sum += p;
        if (j > i) assert.strictEqual(p, 0, `${label}: masked cell [${g}, ${i}, ${j}] is ${p}`);
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `${label}: row [${g}, ${i}] sums to ${sum}`);
    }
  }
}

/** softmax(Q·Kᵀ/√d + causal mask) per head from [1, heads, T, d] Q and K: [1, heads, T, T]. */
function referenceProbs(q: ort.Tensor, k: ort.Tensor): Float32Array {
  const [, heads, T, d] = q.dims;
  const qd = q.data as Float32Array;
  const kd = k.data as Float32Array;
  const out = new Float32Array(heads * T * T);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < T; i++) {
      const scores: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += qd[(h * T + i) * d + c] * kd[(h * T + j) * d + c];
        scores.push(dot / Math.sqrt(d));
      }
      const top = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - top));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, j) => (out[(h * T + i) * T + j] = e / total));
    }
  }
  return out;
}

function tapped(result: Awaited<ReturnType<typeof injectAttentionTaps>>): { bytes: Uint8Array; taps: InjectedTaps } {
  if (!result.bytes) assert.fail(`injection refused: ${'reason' in result ? result.reason : ''}`);
  return result;
}

function refused(result: Awaited<ReturnType<typeof injectAttentionTaps>>): string {
  if (result.bytes) assert.fail('expected the injection to be refused');
  return result.reason;
}

/** A one-node-at-a-time graph for the refusal cases: float input `x` [1, 4, 8], output `y`. */
function tinyGraph(nodes: NodeProto[], extra: { initializers?: TensorProto[] } = {}): Uint8Array {
  const floatType = { value: { case: 'tensorType' as const, value: { elemType: 1 } } };
  const weight = create(TensorProtoSchema, { name: 'W', dims: [8n, 8n], dataType: 1, rawData: new Uint8Array(8 * 8 * 4) });
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'no_attention',
      node: nodes,
      initializer: extra.initializers ?? [weight],
      input: [create(ValueInfoProtoSchema, { name: 'x', type: floatType })],
      output: [create(ValueInfoProtoSchema, { name: 'y', type: floatType })],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

const node = (opType: string, input: string[], output: string[], domain = ''): NodeProto => create(NodeProtoSchema, { opType, input, output, domain, name: output[0] });

/** transformers.js's names for a graph's external data chunks: model.onnx_data, model.onnx_data_1, … */
const chunkName = (index: number): string => (index === 0 ? 'model.onnx_data' : `model.onnx_data_${index}`);

/**
 * Writes `graphFile` into `folder` as model.onnx with every initializer's bytes moved into `chunks`
 * external data files beside it (the first initializers in the first chunk), as large Hub exports are.
 */
function writeWithExternalData(graphFile: string, folder: string, chunks: number): string {
  const model = fromBinary(ModelProtoSchema, readBytes(graphFile));
  const initializers = model.graph!.initializer;
  const parts: Uint8Array[][] = Array.from({ length: chunks }, () => []);
  const sizes = new Array<number>(chunks).fill(0);
  initializers.forEach((tensor, i) => {
    const chunk = Math.floor((i * chunks) / initializers.length);
    assert.ok(tensor.rawData.length > 0, `${tensor.name} keeps its bytes in raw_data`);
    tensor.externalData = [
      { key: 'location', value: chunkName(chunk) },
      { key: 'offset', value: String(sizes[chunk]) },
      { key: 'length', value: String(tensor.rawData.length) },
    ].map((entry) => create(StringStringEntryProtoSchema, entry));
    tensor.dataLocation = 1; // EXTERNAL
    parts[chunk].push(tensor.rawData);
    sizes[chunk] += tensor.rawData.length;
    tensor.rawData = new Uint8Array(0);
  });
  fs.mkdirSync(folder, { recursive: true });
  parts.forEach((chunk, i) => fs.writeFileSync(path.join(folder, chunkName(i)), Buffer.concat(chunk)));
  const file = path.join(folder, 'model.onnx');
  fs.writeFileSync(file, toBinary(ModelProtoSchema, model));
  return file;
}

describe('attention tap injection', function () {
  this.timeout(120_000);

  describe('untapped GPT-2-style fixture', () => {
    let injected: { bytes: Uint8Array; taps: InjectedTaps };
    let original: Record<string, ort.Tensor>;
    let result: Record<string, ort.Tensor>;

    before(async () => {
      injected = tapped(await injectAttentionTaps(readBytes(path.join(untapped, 'onnx/model.onnx'))));
      original = await run(readBytes(path.join(tinyModel, 'onnx/model.onnx')), gpt2Feeds(TOKEN_IDS));
      result = await run(injected.bytes, gpt2Feeds(TOKEN_IDS));
    });

    it('names the taps like the bundled model, one per layer in graph order', () => {
      assert.strictEqual(injected.taps.source, 'softmax');
      assert.deepStrictEqual(injected.taps.probs, ['decoder_attentions.0', 'decoder_attentions.1']);
      assert.deepStrictEqual(injected.taps.qkv, {
        q: ['attn_q.0', 'attn_q.1'],
        k: ['attn_k.0', 'attn_k.1'],
        v: ['attn_v.0', 'attn_v.1'],
      });
      assert.strictEqual(injected.taps.qkvMissingReason, undefined);
    });

    it('gives the probabilities of the tapped original within 1e-5, rows summing to 1, masked cells 0', () => {
      for (let layer = 0; layer < LAYERS; layer++) {
        const name = `decoder_attentions.${layer}`;
        assert.deepStrictEqual(result[name].dims, [1, HEADS, TOKEN_IDS.length, TOKEN_IDS.length]);
        const diff = maxAbsDiff(result[name], original[name]);
        assert.ok(diff < 1e-5, `${name} differs from the original by ${diff}`);
        assertCausalRows(result[name], name);
      }
    });

    it('leaves the logits and the KV cache unchanged', () => {
      for (const name of ['logits', 'present.0.key', 'present.1.value']) {
        const diff = maxAbsDiff(result[name], original[name]);
        assert.ok(diff < 1e-5, `${name} differs by ${diff}`);
      }
    });

    it('taps Q, K, V in [batch, heads, T, head_dim] that recompute the probabilities', () => {
      for (let layer = 0; layer < LAYERS; layer++) {
        for (const kind of ['q', 'k', 'v']) {
          const name = `attn_${kind}.${layer}`;
          assert.deepStrictEqual(result[name].dims, [1, HEADS, TOKEN_IDS.length, HEAD_DIM], name);
          assert.ok(maxAbsDiff(result[name], original[name]) < 1e-5, `${name} differs from the original`);
        }
        const recomputed = referenceProbs(result[`attn_q.${layer}`], result[`attn_k.${layer}`]);
        const probs = result[`decoder_attentions.${layer}`].data as Float32Array;
        const worst = Math.max(...Array.from(recomputed, (p, i) => Math.abs(p - probs[i])));
        assert.ok(worst < 1e-5, `layer ${layer}: softmax(QKᵀ/√d + mask) is off by ${worst}`);
      }
    });

    it('keeps the taps with ONNX Runtime graph optimizations off and fully on', async () => {
      for (const level of ['disabled', 'all'] as const) {
        const session = await ort.InferenceSession.create(injected.bytes, { graphOptimizationLevel: level });
        assert.ok(session.outputNames.includes('decoder_attentions.1') && session.outputNames.includes('attn_v.1'), level);
        await session.release();
      }
    });

    it('decides: nothing to do when the taps are built in (the file is not even read), injection otherwise', async () => {
      const outputsOf = (file: string) => fromBinary(ModelProtoSchema, readBytes(file)).graph!.output.map((o) => o.name);
      const tiny = path.join(tinyModel, 'onnx/model.onnx');
      const plain = path.join(untapped, 'onnx/model.onnx');
      assert.strictEqual((await decideTaps(outputsOf(tiny), () => assert.fail('read the model'))).kind, 'built-in');
      assert.strictEqual((await decideTaps(outputsOf(plain), async () => readBytes(plain))).kind, 'injected');
      const failing = await decideTaps(outputsOf(plain), () => Promise.reject(new Error('disk gone')));
      assert.deepStrictEqual(failing, { kind: 'unavailable', reason: 'Attention outputs could not be added (disk gone).' });
    });
  });

  describe('fused GroupQueryAttention fixture', () => {
    interface Reference {
      readonly x: { dims: number[]; data: number[] };
      readonly probs: { dims: number[]; data: number[] };
    }
    const reference = JSON.parse(fs.readFileSync(path.join(gqaFixture, 'reference.json'), 'utf8')) as Reference;
    const T = reference.x.dims[1];
    const feeds = (): Record<string, ort.Tensor> => ({
      x: new ort.Tensor('float32', Float32Array.from(reference.x.data), reference.x.dims),
      seqlens_k: new ort.Tensor('int32', Int32Array.from([T - 1]), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.from([T]), []),
    });

    it('sets qk_output to "after softmax" and outputs causal probabilities that match torch', async () => {
      const bytes = readBytes(path.join(gqaFixture, 'onnx/model.onnx'));
      const injected = tapped(await injectAttentionTaps(bytes));
      assert.strictEqual(injected.taps.source, 'group-query-attention');
      assert.deepStrictEqual(injected.taps.probs, ['decoder_attentions.0']);
      assert.strictEqual(injected.taps.qkv, undefined);
      assert.match(injected.taps.qkvMissingReason ?? '', /packed/);
      const gqa = fromBinary(ModelProtoSchema, injected.bytes).graph!.node.find((n) => n.opType === 'GroupQueryAttention')!;
      assert.strictEqual(gqa.attribute.find((a) => a.name === 'qk_output')?.i, 2n);

      const [before, after] = [await run(bytes, feeds()), await run(injected.bytes, feeds())];
      const probs = after['decoder_attentions.0'];
      assert.deepStrictEqual(probs.dims, reference.probs.dims);
      assertCausalRows(probs, 'qk_output');
      const worst = Math.max(...Array.from(probs.data as Float32Array, (p, i) => Math.abs(p - reference.probs.data[i])));
      assert.ok(worst < 1e-5, `qk_output differs from torch's softmax by ${worst}`);
      // The kernel takes another path when it writes qk_output: float rounding (~4e-6 on outputs of ~10) only.
      const yDiff = maxAbsDiff(after.y, before.y);
      assert.ok(yDiff < 1e-5, `the attention output changed by ${yDiff}`);
    });

    it('is left alone off the CPU kernels (WebGPU), where qk_output is not written', async () => {
      const bytes = readBytes(path.join(gqaFixture, 'onnx/model.onnx'));
      assert.strictEqual(backendRecord('webgpu').cpuKernels, false);
      const decision = await decideTaps(['y'], async () => bytes, backendRecord('webgpu').cpuKernels);
      assert.strictEqual(decision.kind, 'unavailable');
      assert.match('reason' in decision ? decision.reason : '', /cpu or wasm/);
      assert.strictEqual((await decideTaps(['y'], async () => bytes, backendRecord('wasm').cpuKernels)).kind, 'injected');
    });
  });

  describe('a scaled-dot-product export (scale split over Q and Kᵀ, additive mask)', () => {
    it('taps Q and K without their scales, so softmax(QKᵀ/√d + mask) recomputes the probabilities', async () => {
      const [T, d] = [5, 4];
      const float4d = { value: { case: 'tensorType' as const, value: { elemType: 1 } } };
      const scale = create(TensorProtoSchema, { name: 's', dims: [], dataType: 1, floatData: [d ** -0.25] });
      const model = create(ModelProtoSchema, {
        irVersion: 8n,
        opsetImport: [{ domain: '', version: 17n }],
        graph: {
          name: 'sdpa',
          node: [
            node('Mul', ['q', 's'], ['q_scaled']),
            node('Transpose', ['k'], ['k_t']),
            node('Mul', ['k_t', 's'], ['k_t_scaled']),
            node('MatMul', ['q_scaled', 'k_t_scaled'], ['scores']),
            node('Add', ['scores', 'mask'], ['masked']),
            node('Softmax', ['masked'], ['probs']),
            node('MatMul', ['probs', 'v'], ['y']),
          ],
          initializer: [scale],
          input: ['q', 'k', 'v', 'mask'].map((name) => create(ValueInfoProtoSchema, { name, type: float4d })),
          output: [create(ValueInfoProtoSchema, { name: 'y', type: float4d })],
        },
      });
      model.graph!.node[1].attribute.push(create(AttributeProtoSchema, { name: 'perm', type: 7, ints: [0n, 1n, 3n, 2n] }));
      const injected = tapped(await injectAttentionTaps(toBinary(ModelProtoSchema, model)));
      assert.deepStrictEqual(injected.taps.qkv, { q: ['attn_q.0'], k: ['attn_k.0'], v: ['attn_v.0'] });

      const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 2);
      const mask = new Float32Array(T * T).map((_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)); // [1, 1, T, T] causal
      const out = await run(injected.bytes, {
        q: new ort.Tensor('float32', random(HEADS * T * d), [1, HEADS, T, d]),
        k: new ort.Tensor('float32', random(HEADS * T * d).reverse(), [1, HEADS, T, d]),
        v: new ort.Tensor('float32', random(HEADS * T * d), [1, HEADS, T, d]),
        mask: new ort.Tensor('float32', mask, [1, 1, T, T]),
      });
      const recomputed = referenceProbs(out['attn_q.0'], out['attn_k.0']);
      const probs = out['decoder_attentions.0'].data as Float32Array;
      const worst = Math.max(...Array.from(recomputed, (p, i) => Math.abs(p - probs[i])));
      assert.ok(worst < 1e-5, `softmax(QKᵀ/√d + mask) is off by ${worst}`);
      assertCausalRows(out['decoder_attentions.0'], 'sdpa');
    });
  });

  describe('the untapped fixture with its weights in two external data chunks', () => {
    let folder: string;
    let graphFile: string;
    let expected: Record<string, ort.Tensor>;
    before(async () => {
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'external-data-'));
      graphFile = writeWithExternalData(path.join(untapped, 'onnx/model.onnx'), path.join(folder, 'onnx'), 2);
      expected = await run(tapped(await injectAttentionTaps(readBytes(path.join(untapped, 'onnx/model.onnx')))).bytes, gpt2Feeds(TOKEN_IDS));
    });
    after(() => fs.rmSync(folder, { recursive: true, force: true }));

    /** Runs `load` under the tap seam and checks the session it made against the embedded fixture's taps. */
    async function assertTappedLikeEmbedded(load: () => Promise<{ outputNames: readonly string[]; run(feeds: Record<string, unknown>): Promise<Record<string, ort.Tensor>>; release(): Promise<void> }>): Promise<void> {
      const { loaded: session, attentionUnavailableReason } = await loadWithAttentionTaps(true, load);
      try {
        assert.strictEqual(attentionUnavailableReason, undefined);
        assert.ok(session.outputNames.includes('decoder_attentions.1') && session.outputNames.includes('attn_v.1'), session.outputNames.join(', '));
        const result = await session.run(gpt2Feeds(TOKEN_IDS));
        for (const name of ['logits', 'decoder_attentions.0', 'decoder_attentions.1', 'attn_q.1', 'attn_k.1', 'attn_v.1']) {
          const diff = maxAbsDiff(result[name], expected[name]);
          // onnxruntime-web's kernels round a little differently from onnxruntime-node's
          assert.ok(diff < 1e-5, `${name} differs from the embedded model's by ${diff}`);
        }
      } finally {
        await session.release();
      }
    }

    it('taps the graph and leaves every weight where it was: the same chunks, the same offsets', async () => {
      const original = fromBinary(ModelProtoSchema, readBytes(graphFile)).graph!;
      assert.deepStrictEqual(externalDataLocations(original), ['model.onnx_data', 'model.onnx_data_1']);
      const injected = tapped(await injectAttentionTaps(readBytes(graphFile)));
      const graph = fromBinary(ModelProtoSchema, injected.bytes).graph!;
      assert.deepStrictEqual(injected.taps.probs, ['decoder_attentions.0', 'decoder_attentions.1']);
      assert.deepStrictEqual(
        graph.initializer.map((t) => [t.name, t.dataLocation, t.externalData.map((e) => `${e.key}=${e.value}`)]),
        original.initializer.map((t) => [t.name, t.dataLocation, t.externalData.map((e) => `${e.key}=${e.value}`)]),
      );
    });

    it('on onnxruntime-node: the tapped session, made from bytes, reads the chunks beside the graph file', async () => {
      await assertTappedLikeEmbedded(() => ort.InferenceSession.create(graphFile));
    });

    it('on onnxruntime-web (WASM): the chunks are mounted for the graph, and for the tapped session', async () => {
      ortWeb.env.wasm.wasmBinary = readBytes(path.join(wasmDir, 'ort-wasm-simd-threaded.wasm'));
      ortWeb.env.wasm.wasmPaths = { mjs: pathToFileURL(path.join(wasmDir, 'ort-wasm-simd-threaded.mjs')).href };
      ortWeb.env.wasm.numThreads = 1;
      // Without the seam onnxruntime-web cannot open the chunks at all.
      await assert.rejects(ortWeb.InferenceSession.create(graphFile), /external data file/);
      // The seam takes the runtime transformers.js takes: the injected one (see ortRuntime.ts), here for this test only.
      // transformers.js asks `in`, so the seam is deleted afterwards, not set to undefined.
      const global = globalThis as Record<symbol, unknown>;
      const seam = Symbol.for('onnxruntime');
      assert.ok(!(seam in global), 'another test left a runtime injected');
      global[seam] = ortWeb;
      try {
        await assertTappedLikeEmbedded(() => ortWeb.InferenceSession.create(graphFile) as never);
      } finally {
        delete global[seam];
      }
    });

    it('names the folder for onnxruntime-node beside the session options already given, and leaves onnxruntime-web\'s mounts as they are', () => {
      const given = { logSeverityLevel: 3, extra: { session: { intra_op_thread_affinities: '1' }, other: { key: 'v' } } };
      assert.deepStrictEqual(optionsForGraphBytes('native', given, path.join('/models', 'm', 'onnx', 'model.onnx')), {
        logSeverityLevel: 3,
        extra: { session: { intra_op_thread_affinities: '1', model_external_initializers_file_folder_path: path.join('/models', 'm', 'onnx') }, other: { key: 'v' } },
      });
      const mounted = { externalData: [{ path: 'model.onnx_data', data: '/models/m/onnx/model.onnx_data' }] };
      assert.strictEqual(optionsForGraphBytes('web', mounted, '/models/m/onnx/model.onnx'), mounted);
    });
  });

  describe('graphs that cannot be tapped', () => {
    it('a single MatMul: no attention block, said plainly', async () => {
      const reason = refused(await injectAttentionTaps(tinyGraph([node('MatMul', ['x', 'W'], ['y'])])));
      assert.match(reason, /No attention block/);
    });

    it('a Softmax over a weight MatMul (a classifier head) is not attention', async () => {
      const reason = refused(await injectAttentionTaps(tinyGraph([node('MatMul', ['x', 'W'], ['s']), node('Softmax', ['s'], ['y'])])));
      assert.match(reason, /No attention block/);
    });

    it('fused MultiHeadAttention: not supported, by name', async () => {
      const mha = node('MultiHeadAttention', ['x', 'x', 'x'], ['y'], 'com.microsoft');
      mha.attribute.push(create(AttributeProtoSchema, { name: 'num_heads', type: 2, i: 2n }));
      const reason = refused(await injectAttentionTaps(tinyGraph([mha])));
      assert.match(reason, /MultiHeadAttention/);
    });

    it('bytes that are not ONNX', async () => {
      assert.match(refused(await injectAttentionTaps(new TextEncoder().encode('not a model'))), /could not be read|no graph/);
    });
  });

  describe('the engine on the untapped fixture', () => {
    const engines: Engine[] = [];
    const load = async (folder: string) => {
      const engine = new Engine({ wasmDir, wasmThreads: 1 });
      engines.push(engine);
      const info = await engine.load({ source: { kind: 'folder', path: folder, displayName: path.basename(folder) }, device: 'cpu', dtype: 'fp32', onProgress: () => undefined });
      return { engine, info };
    };
    const scratch: string[] = [];
    after(async () => {
      await Promise.all(engines.map((e) => e.dispose()));
      for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('captures the same attention as the tapped original through the real Engine', async () => {
      const text = 'def add(a, b):\n    return a + b\n';
      const plain = await load(untapped);
      assert.strictEqual(plain.info.attentionUnavailableReason, undefined);
      const { capture } = await plain.engine.attention(text, 64, origin);
      const { capture: expected } = await (await load(tinyModel)).engine.attention(text, 64, origin);
      assert.strictEqual(capture.layers, LAYERS);
      assert.strictEqual(capture.heads, HEADS);
      assert.strictEqual(capture.headDim, HEAD_DIM);
      assert.deepStrictEqual(capture.tokenIds, expected.tokenIds);
      assertCausalRows({ dims: capture.probs.dims, data: capture.probs.data }, 'capture');
      for (const key of ['probs', 'q', 'k', 'v'] as const) {
        const [got, want] = [capture[key]!, expected[key]!];
        assert.deepStrictEqual(got.dims, want.dims, key);
        const worst = Math.max(...Array.from(got.data, (x, i) => Math.abs(x - want.data[i])));
        assert.ok(worst < 1e-5, `${key} differs from the tapped original by ${worst}`);
      }
    });

    it('loads a model it cannot tap untapped, says why, and still generates', async () => {
      // The untapped model with its Softmax turned to another axis: a valid graph, no attention pattern.
      const model = fromBinary(ModelProtoSchema, readBytes(path.join(untapped, 'onnx/model.onnx')));
      for (const n of model.graph!.node.filter((n) => n.opType === 'Softmax')) {
        n.attribute = [create(AttributeProtoSchema, { name: 'axis', type: 2, i: 1n })];
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'untappable-'));
      scratch.push(dir);
      fs.cpSync(untapped, dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'onnx/model.onnx'), toBinary(ModelProtoSchema, model));

      const { engine, info } = await load(dir);
      assert.match(info.attentionUnavailableReason ?? '', /No attention block/);
      const result = await engine.generate({ prompt: 'def f(', maxNewTokens: 4, onStart: () => undefined, onToken: () => undefined, shouldStop: () => false });
      assert.strictEqual(result.tokenIds.length, 4);
      await assert.rejects(engine.attention('def f(', 64, origin), /no attention outputs/);
    });

    it('puts ONNX Runtime back as it was after a load', async () => {
      const before = ort.InferenceSession.create;
      await loadWithAttentionTaps(true, async () => {
        assert.notStrictEqual(ort.InferenceSession.create, before);
      });
      assert.strictEqual(ort.InferenceSession.create, before);
    });
  });
});
