/**
 * Model tests on the tiny random-weight fixture (test/fixtures/tiny-model, made by
 * `npm run fixture:model`), run through transformers.js on onnxruntime-node (`cpu`).
 *
 * `describeLensModel` is the conformance suite every Attention Lens model export must pass; the
 * bundled model's test (bundledModel.test.ts) runs the same suite.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizer, Tensor, env } from '@huggingface/transformers';

/** Where the repository root is, from out/test/model/ (compiled) or test/model/ (sources). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface ParityCase {
  readonly text: string;
  readonly input_ids: number[];
  readonly last_logits: number[];
  readonly attentions: number[][][][]; // [layer][head][T][T]
}

interface LensConfigJson {
  readonly n_layer: number;
  readonly n_head: number;
  readonly n_embd: number;
  readonly n_positions: number;
  readonly vocab_size: number;
  readonly eos_token_id: number;
  readonly attention_lens: {
    readonly special_tokens: Record<string, number>;
    readonly completion: { readonly blocked_token_ids: number[] };
    readonly taps: { readonly attention_probs: string[]; readonly query: string[]; readonly key: string[]; readonly value: string[] };
  };
}

type Outputs = Record<string, Tensor>;

/** Options of the conformance suite. */
export interface LensModelSuiteOptions {
  /** Greedy tokens generated in the cache/no-cache comparison. */
  readonly newTokens: number;
}

/** int64 tensor [1, T] from token ids. */
function idsTensor(ids: readonly number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(ids.map((i) => BigInt(i))), [1, ids.length]);
}

function onesMask(length: number): Tensor {
  return new Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
}

function argmaxLast(logits: Tensor): number {
  const [, t, v] = logits.dims;
  const data = logits.data as Float32Array;
  let best = 0;
  for (let i = 1; i < v; i++) if (data[(t - 1) * v + i] > data[(t - 1) * v + best]) best = i;
  return best;
}

/** Checks rows of probabilities [1, H, T, S] for new tokens at absolute positions past..past+T-1:
 * cells after the query position are exactly 0 and each row sums to 1. */
function assertCausalRows(probs: Tensor, past: number, label: string): void {
  const [b, h, t, s] = probs.dims;
  assert.strictEqual(b, 1);
  assert.strictEqual(s, past + t, `${label}: total length`);
  const data = probs.data as Float32Array;
  for (let head = 0; head < h; head++) {
    for (let i = 0; i < t; i++) {
      let sum = 0;
      for (let j = 0; j < s; j++) {
        const p = data[((head * t) + i) * s + j];
        if (j > past + i) assert.strictEqual(p, 0, `${label}: head ${head} row ${i} col ${j} is masked but ${p}`);
        assert.ok(p >= 0 && p <= 1, `${label}: probability out of range ${p}`);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `${label}: head ${head} row ${i} sums to ${sum}`);
    }
  }
}

/** The conformance suite for one exported model folder. */
export function describeLensModel(title: string, modelDir: string, options: LensModelSuiteOptions): void {
  describe(title, function () {
    this.timeout(300_000);
    let config: LensConfigJson;
    let tokenizer: PreTrainedTokenizer;
    let fp32: PreTrainedModel;
    let q8: PreTrainedModel;
    let parity: ParityCase[];
    let atol: number;

    before(async () => {
      env.allowRemoteModels = false;
      config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as LensConfigJson;
      const ref = JSON.parse(fs.readFileSync(path.join(modelDir, 'reference', 'parity.json'), 'utf8')) as { atol: number; cases: ParityCase[] };
      parity = ref.cases;
      atol = ref.atol;
      tokenizer = await AutoTokenizer.from_pretrained(modelDir);
      fp32 = await AutoModelForCausalLM.from_pretrained(modelDir, { device: 'cpu', dtype: 'fp32' });
      q8 = await AutoModelForCausalLM.from_pretrained(modelDir, { device: 'cpu', dtype: 'q8' });
    });

    after(async () => {
      await fp32?.dispose();
      await q8?.dispose();
    });

    const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
    const run = async (model: PreTrainedModel, inputs: Record<string, unknown>): Promise<Outputs> =>
      (await model(inputs)) as Outputs;

    it('declares the prompt format and its special tokens as single ids', () => {
      const special = config.attention_lens.special_tokens;
      for (const [token, id] of Object.entries(special)) {
        assert.deepStrictEqual(encode(token), [id], token);
      }
      assert.strictEqual(special['<|endoftext|>'], config.eos_token_id);
      assert.deepStrictEqual([...config.attention_lens.completion.blocked_token_ids].sort(), [
        special['<fim_prefix>'], special['<fim_suffix>'], special['<fim_middle>'], special['<sum_code>'], special['<sum_doc>'],
      ].sort());
    });

    it('round-trips code exactly through the tokenizer', () => {
      const samples = [
        'def f(x):\n\treturn x  # tab, trailing spaces   \n',
        'const s = `héllo ${name} — 漢字 🎉`;\r\nif (a !== b) { return; }\n',
        '    \n\n\n  x = [1, 2,3]  \n',
        '<fim_prefix>a<fim_suffix>b<fim_middle>c<|endoftext|><sum_code>d<sum_doc>e',
        fs.readFileSync(path.join(repoRoot(), 'tools', 'model', 'lens_model.py'), 'utf8'),
      ];
      for (const s of samples) {
        const ids = encode(s);
        assert.strictEqual(tokenizer.decode(ids, { skip_special_tokens: false }), s);
      }
    });

    it('exposes logits, KV cache and every attention tap', () => {
      const session = (fp32 as unknown as { sessions: Record<string, { outputNames: string[]; inputNames: string[] }> }).sessions.model;
      const taps = config.attention_lens.taps;
      for (const name of ['logits', 'embed_tokens', 'embed_positions', ...taps.attention_probs, ...taps.query, ...taps.key, ...taps.value]) {
        assert.ok(session.outputNames.includes(name), `missing output ${name}`);
      }
      for (let l = 0; l < config.n_layer; l++) {
        assert.ok(session.outputNames.includes(`present.${l}.key`));
        assert.ok(session.inputNames.includes(`past_key_values.${l}.value`));
      }
      assert.ok(session.inputNames.includes('position_ids'));
    });

    it(`matches the PyTorch reference (logits and attention probabilities within its atol)`, async () => {
      for (const c of parity) {
        assert.deepStrictEqual(encode(c.text), c.input_ids, `token ids of ${JSON.stringify(c.text)}`);
        const out = await run(fp32, { input_ids: idsTensor(c.input_ids), attention_mask: onesMask(c.input_ids.length) });
        const [, t, v] = out.logits.dims;
        const logits = out.logits.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < v; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[(t - 1) * v + i] - c.last_logits[i]));
        assert.ok(maxDiff <= atol, `logits differ by ${maxDiff} on ${JSON.stringify(c.text)}`);
        for (let l = 0; l < config.n_layer; l++) {
          const probs = out[`decoder_attentions.${l}`].data as Float32Array;
          const want = c.attentions[l].flat(2);
          assert.strictEqual(probs.length, want.length);
          let maxA = 0;
          for (let i = 0; i < want.length; i++) maxA = Math.max(maxA, Math.abs(probs[i] - want[i]));
          assert.ok(maxA <= atol, `layer ${l} attention differs by ${maxA}`);
        }
      }
    });

    it('attention rows sum to 1 with masked cells exactly 0, with and without a KV cache', async () => {
      const ids = encode('function add(a, b) {\n  return a + b;\n}\n');
      const first = ids.slice(0, ids.length - 3);
      const rest = ids.slice(ids.length - 3);
      for (const model of [fp32, q8]) {
        const a = await run(model, { input_ids: idsTensor(first), attention_mask: onesMask(first.length) });
        const past: Record<string, Tensor> = {};
        for (let l = 0; l < config.n_layer; l++) {
          assertCausalRows(a[`decoder_attentions.${l}`], 0, `prefill layer ${l}`);
          past[`past_key_values.${l}.key`] = a[`present.${l}.key`];
          past[`past_key_values.${l}.value`] = a[`present.${l}.value`];
        }
        const b = await run(model, { input_ids: idsTensor(rest), attention_mask: onesMask(ids.length), past_key_values: past });
        for (let l = 0; l < config.n_layer; l++) assertCausalRows(b[`decoder_attentions.${l}`], first.length, `cached layer ${l}`);
        // The cached step sees the same logits as a full recomputation.
        const full = await run(model, { input_ids: idsTensor(ids), attention_mask: onesMask(ids.length) });
        assert.strictEqual(argmaxLast(b.logits), argmaxLast(full.logits));
      }
    });

    it('padding columns get exactly 0 attention', async () => {
      const ids = encode('x = 1\ny = 2\n');
      const pad = config.eos_token_id;
      const padded = [pad, pad, ...ids];
      const mask = new Tensor('int64', BigInt64Array.from([0n, 0n, ...ids.map(() => 1n)]), [1, padded.length]);
      const out = await run(fp32, { input_ids: idsTensor(padded), attention_mask: mask });
      const probs = out['decoder_attentions.0'];
      const [, h, t, s] = probs.dims;
      const data = probs.data as Float32Array;
      for (let head = 0; head < h; head++) {
        for (let i = 2; i < t; i++) {
          let sum = 0;
          for (let j = 0; j < s; j++) {
            const p = data[(head * t + i) * s + j];
            if (j < 2 || j > i) assert.strictEqual(p, 0, `row ${i} col ${j}`);
            sum += p;
          }
          assert.ok(Math.abs(sum - 1) < 1e-5);
        }
      }
    });

    it('taps are consistent: softmax(q.k / sqrt(head_dim)) is the probability tap; q/k/v and embedding taps have their shapes', async () => {
      const ids = encode('let total = 0;\nfor (const x of xs) total += x;\n');
      const out = await run(fp32, { input_ids: idsTensor(ids), attention_mask: onesMask(ids.length) });
      const h = config.n_head;
      const d = config.n_embd / h;
      const t = ids.length;
      for (const name of ['attn_q.0', 'attn_k.0', 'attn_v.0']) assert.deepStrictEqual(out[name].dims, [1, h, t, d]);
      assert.deepStrictEqual(out.embed_tokens.dims, [1, t, config.n_embd]);
      assert.deepStrictEqual(out.embed_positions.dims, [1, t, config.n_embd]);
      const q = out['attn_q.0'].data as Float32Array;
      const k = out['attn_k.0'].data as Float32Array;
      const probs = out['decoder_attentions.0'].data as Float32Array;
      for (let head = 0; head < h; head++) {
        for (let i = 0; i < t; i++) {
          const scores: number[] = [];
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q[(head * t + i) * d + c] * k[(head * t + j) * d + c];
            scores.push(dot / Math.sqrt(d));
          }
          const m = Math.max(...scores);
          const e = scores.map((x) => Math.exp(x - m));
          const z = e.reduce((a, b) => a + b, 0);
          for (let j = 0; j <= i; j++) {
            const p = probs[(head * t + i) * t + j];
            assert.ok(Math.abs(p - e[j] / z) < 1e-4, `head ${head} (${i}, ${j}): ${p} vs ${e[j] / z}`);
          }
        }
      }
    });

    for (const dtype of ['fp32', 'q8'] as const) {
      it(`greedy generation with the KV cache equals recomputing the full sequence (${dtype})`, async () => {
        const model = dtype === 'fp32' ? fp32 : q8;
        const prompt = encode('def read_lines(path):\n');
        const generated = (await model.generate({
          input_ids: idsTensor(prompt), attention_mask: onesMask(prompt.length),
          max_new_tokens: options.newTokens, do_sample: false,
        } as Record<string, unknown>)) as Tensor;
        const withCache = (generated.tolist() as bigint[][])[0].map(Number);
        const seq = [...prompt];
        for (let step = 0; step < options.newTokens; step++) {
          const out = await run(model, { input_ids: idsTensor(seq), attention_mask: onesMask(seq.length) });
          const next = argmaxLast(out.logits);
          seq.push(next);
          if (next === config.eos_token_id) break;
        }
        assert.deepStrictEqual(withCache, seq);
      });
    }
  });
}

describeLensModel('tiny fixture model (random weights)', path.join(repoRoot(), 'test', 'fixtures', 'tiny-model'), { newTokens: 24 });
