/**
 * The views beyond the anchors on the bundled model, through the real worker, against an
 * independent reference: transformers' own GPT-2 on the same fp32 weights
 * (tools/reference/probe_reference.py). The logit lens, the confidence strip's probabilities,
 * masked tokens (and causality), knocked-out heads, and head roles on constructed text.
 */

import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import type { AttentionCapture } from '../../src/common/attentionData';
import { attentionRollout } from '../../src/common/attentionRollout';
import { scoreHeadRoles, type HeadRole } from '../../src/common/headRoles';
import type { ProbeParams, ProbeResult } from '../../src/common/probeProtocol';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { Engine } from '../../src/worker/engine';
import { ensurePython } from './familyFixtures';
import { rejectsWith } from './rejectsWith';

const execFileAsync = promisify(execFile);
const repo = path.resolve(__dirname, '../../..');
const modelDir = path.join(repo, 'models/lens-coder');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const REFERENCE = path.join(repo, 'tools/reference/probe_reference.py');
const TOLERANCE = 1e-4;

const CODE = [
  'function clamp(value, low, high) {',
  '  if (value < low) return low;',
  '  if (value > high) return high;',
  '  return value;',
  '}',
  'const level = clamp(input, 0, 10);',
  'console.log(level',
].join('\n');

interface ReferenceCase {
  readonly probs: number[];
  readonly lens: number[][];
  readonly next_prob: number[];
  readonly entropy: number[];
}

interface Case {
  readonly ids: readonly number[];
  readonly position: number;
  readonly masked?: readonly number[];
  readonly knockout?: readonly (readonly [number, number])[];
}

async function reference(cases: readonly Case[]): Promise<ReferenceCase[]> {
  const python = await ensurePython();
  const request = JSON.stringify({ onnx: path.join(modelDir, 'onnx/model.onnx'), model_dir: modelDir, cases });
  const child = execFileAsync(python, [REFERENCE], { cwd: repo, maxBuffer: 512 * 1024 * 1024, timeout: 240_000 });
  child.child.stdin?.end(request);
  const { stdout } = await child;
  return (JSON.parse(stdout) as { cases: ReferenceCase[] }).cases;
}

/** Largest difference between our top tokens' probabilities and the reference's at the same ids. */
function topDifference(ids: readonly number[], probs: readonly number[], expected: readonly number[]): number {
  return Math.max(...ids.map((id, r) => Math.abs(probs[r] - expected[id])));
}

function argsortDescending(values: readonly number[], k: number): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);
}

describe('probes and confidence on the bundled model, against transformers', function () {
  this.timeout(600_000);
  let client: InferenceClient;
  let capture: AttentionCapture;
  let ids: number[];
  /** The reference's answers, asked once (a Python start costs seconds): plain, masked, knocked out. */
  let expected: { plain: ReferenceCase; masked: ReferenceCase; knockout: ReferenceCase };
  const MASKED = [8, 11];
  const KNOCKED = [{ layer: 0, head: 1 }, { layer: 5, head: 3 }];

  before(async () => {
    client = new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 240_000 });
    await client.load({ source: { kind: 'folder', path: modelDir, displayName: 'lens-coder' }, device: 'cpu', dtype: 'fp32' });
    capture = (await client.attention({ text: CODE, maxTokens: 256, origin: { kind: 'selection', label: 'probe test' } })).capture;
    ids = [...capture.tokenIds];
    const position = ids.length - 1;
    const [plainCase, masked, knockout] = await reference([
      { ids, position },
      { ids, position, masked: MASKED },
      { ids, position, knockout: KNOCKED.map((h) => [h.layer, h.head] as const) },
    ]);
    expected = { plain: plainCase, masked, knockout };
  });
  after(async () => client?.dispose());

  const probe = (params: Omit<ProbeParams, 'tokenIds'>): Promise<ProbeResult> => client.probe({ ...params, tokenIds: ids });
  const plain = { lens: false, maskedPositions: [], knockedOutHeads: [], continuation: false };

  it('the logit lens equals transformers’ hidden states through ln_f and lm_head, at every depth, within 1e-4; the last depth is the model’s own prediction', async () => {
    const position = ids.length - 1;
    const result = await probe({ ...plain, position, lens: true });
    assert.ok(result.lens && 'readings' in result.lens, `lens unavailable: ${JSON.stringify(result.lens)}`);
    const readings = result.lens.readings;
    const reference = expected.plain;
    assert.strictEqual(readings.length, capture.layers + 1);
    const finalId = argsortDescending(reference.probs, 1)[0];
    let worst = 0;
    readings.forEach((reading, depth) => {
      assert.strictEqual(reading.afterLayer, depth - 1);
      const want = reference.lens[depth];
      worst = Math.max(worst, topDifference(reading.top.ids, reading.top.probs, want), Math.abs(reading.finalTokenProb - want[finalId]));
      // The reference's own first choice is ours (ties aside: its margin over the second is checked).
      const [first, second] = argsortDescending(want, 2);
      if (want[first] - want[second] > 1e-3) assert.strictEqual(reading.top.ids[0], first, `depth ${depth}`);
    });
    assert.ok(worst <= TOLERANCE, `largest difference ${worst}`);
    assert.deepStrictEqual(readings[readings.length - 1].top.ids, result.original.next.ids);
    assert.ok(topDifference(result.original.next.ids, result.original.next.probs, reference.probs) <= TOLERANCE);
    console.log(`      logit lens: ${readings.length} depths, largest |Δp| against transformers ${worst.toExponential(1)}; “${result.texts[finalId]}” is first from depth ${readings.findIndex((r) => r.top.ids[0] === finalId)}`);
  });

  it('the confidence strip’s probabilities and entropies are softmax of the logits (transformers’), at every position', async () => {
    const predictions = capture.predictions!;
    assert.ok(predictions, 'the capture has predictions');
    const reference = expected.plain;
    let worst = 0;
    for (let p = 0; p < ids.length - 1; p++) {
      worst = Math.max(worst, Math.abs(predictions.nextProb[p] - reference.next_prob[p]), Math.abs(predictions.entropy[p] - reference.entropy[p]) / 10);
      // The actual token's rank agrees with its probability against the top-k.
      if (predictions.nextRank[p] === 0) assert.strictEqual(predictions.topIds[p * predictions.k], ids[p + 1]);
    }
    assert.strictEqual(predictions.nextProb[ids.length - 1], -1);
    assert.ok(worst <= TOLERANCE, `largest difference ${worst}`);
  });

  it('masking a token: nothing before it changes (causality), and after it the prediction equals a forward pass with its attention mask off', async () => {
    const j = MASKED[0];
    const after = ids.length - 1;
    const before = await probe({ ...plain, position: j - 1, maskedPositions: [j] });
    assert.ok(before.changed);
    assert.deepStrictEqual(before.changed.next.ids, before.original.next.ids);
    before.changed.next.probs.forEach((p, r) => assert.ok(Math.abs(p - before.original.next.probs[r]) < 1e-6, `rank ${r}: ${p} vs ${before.original.next.probs[r]}`));
    const masked = await probe({ ...plain, position: after, maskedPositions: MASKED });
    assert.ok(masked.changed);
    assert.ok(topDifference(masked.changed.next.ids, masked.changed.next.probs, expected.masked.probs) <= TOLERANCE);
    // The mask really changed something (the test could not pass with the mask ignored).
    const shift = Math.max(...masked.changed.next.ids.map((id) => Math.abs(expected.masked.probs[id] - expected.plain.probs[id])));
    assert.ok(shift > 10 * TOLERANCE, `the mask moved probabilities by only ${shift}`);
  });

  it('knocking out heads equals transformers with those heads’ outputs zeroed before c_proj', async () => {
    const position = ids.length - 1;
    const result = await probe({ ...plain, position, knockedOutHeads: KNOCKED, continuation: true });
    assert.strictEqual(result.knockoutUnavailable, undefined);
    assert.ok(result.changed && topDifference(result.changed.next.ids, result.changed.next.probs, expected.knockout.probs) <= TOLERANCE);
    assert.notDeepStrictEqual(result.changed.next.probs, result.original.next.probs);
    assert.strictEqual(typeof result.original.continuation, 'string');
    assert.strictEqual(typeof result.changed.continuation, 'string');
  });

  it('on a random token sequence repeated twice, a head of the bundled model is an induction head; previous-token heads are found on code', async () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const half = Array.from({ length: 40 }, () => 200 + Math.floor(random() * 7000));
    const repeated = [...half, ...half];
    const result = await captureOfIds(client, repeated);
    const roles = scoreHeadRoles({ probs: result.probs, tokenIds: result.tokenIds, text: result.text, offsets: result.offsets });
    const best = (role: HeadRole) => {
      const scores = roles.scores[role]!;
      let at = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i] > scores[at]) at = i;
      return { layer: Math.floor(at / roles.heads), head: at % roles.heads, score: scores[at] };
    };
    const induction = best('induction');
    console.log(`      strongest induction head on a repeated random sequence: layer ${induction.layer} head ${induction.head}, score ${induction.score.toFixed(2)}`);
    assert.ok(induction.score >= 0.3, `best induction score ${induction.score}`);
    const codeRoles = scoreHeadRoles({ probs: capture.probs, tokenIds: capture.tokenIds, text: capture.text, offsets: capture.offsets });
    const previous = (() => {
      const scores = codeRoles.scores.previousToken!;
      let at = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i] > scores[at]) at = i;
      return { layer: Math.floor(at / codeRoles.heads), head: at % codeRoles.heads, score: scores[at] };
    })();
    console.log(`      strongest previous-token head on code: layer ${previous.layer} head ${previous.head}, score ${previous.score.toFixed(2)}`);
    assert.ok(previous.score >= 0.5, `best previous-token score ${previous.score}`);
  });

  it('rollout of a real capture: rows sum to 1 and every token draws on itself at least as much as the residual path guarantees', () => {
    const rollout = attentionRollout(capture.probs, capture.layers - 1);
    const T = capture.tokens.length;
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) sum += rollout[i * T + j];
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${i} sums to ${sum}`);
      assert.ok(rollout[i * T + i] >= 0.5 ** capture.layers - 1e-6);
      for (let j = i + 1; j < T; j++) assert.strictEqual(rollout[i * T + j], 0);
    }
  });
});

describe('probes ask for memory first', function () {
  this.timeout(120_000);
  it('refuses to build the probe copy of the model when free memory cannot hold it, and the model goes on serving', async () => {
    const tiny = path.join(repo, 'test/fixtures/tiny-model');
    const engine = new Engine({ wasmDir, wasmThreads: 1, readMemory: () => ({ freeBytes: 4096, totalBytes: 64 * 1024 ** 3 }) });
    try {
      await engine.load({ source: { kind: 'folder', path: tiny, displayName: 'tiny' }, device: 'cpu', dtype: 'fp32', onProgress: () => undefined });
      const { capture } = await engine.attention('function f(a) { return a; }', 64, { kind: 'selection', label: 'memory' });
      const error = await rejectsWith(
        engine.probe({ tokenIds: capture.tokenIds, position: capture.tokenIds.length - 1, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false }),
        'NOT_ENOUGH_MEMORY',
      );
      assert.match(error.message, /second copy of the model, which needs about \d+ MB; 0 MB is free/);
      const again = await engine.attention('function f(a) { return a; }', 64, { kind: 'selection', label: 'after' });
      assert.deepStrictEqual(again.capture.tokenIds, capture.tokenIds);
    } finally {
      await engine.dispose();
    }
  });
});

/** A capture of the text `ids` decode to (re-encoding may merge a few neighbours; the text, and so its repetition, stays). */
async function captureOfIds(client: InferenceClient, ids: readonly number[]): Promise<AttentionCapture> {
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true } as never);
  const text = tokenizer.decode([...ids], { skip_special_tokens: false });
  return (await client.attention({ text, maxTokens: 512, origin: { kind: 'selection', label: 'repeated' } })).capture;
}
