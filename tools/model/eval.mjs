#!/usr/bin/env node
/**
 * Evaluates an exported model through transformers.js (greedy, device cpu) on a JSONL file.
 *
 *   npm run model:eval -- --data models/lens-coder/eval/test.jsonl [--model models/lens-coder]
 *                         [--dtype q8|fp32] [--limit N] [--json OUT.json]
 *
 * Lines are {"code","doc"} (summarization) or {"prefix","suffix","middle"} (one-line infill).
 * Prints: validation loss (teacher-forced nats/token over whole prompts+answers, and over the
 * answer tokens alone), summary ROUGE-L F1 and BLEU-4, FIM exact match, next-line exact match
 * (completion from the prefix alone), each next to its baseline: a sentence template built from
 * the function's name for summaries, "repeat the previous line" for completion. Also the decode
 * speed (new tokens per second with the KV cache).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';

const args = { model: 'models/lens-coder', dtype: 'q8', limit: Infinity, data: null, json: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--data') args.data = process.argv[++i];
  else if (a === '--model') args.model = process.argv[++i];
  else if (a === '--dtype') args.dtype = process.argv[++i];
  else if (a === '--limit') args.limit = Number(process.argv[++i]);
  else if (a === '--json') args.json = process.argv[++i];
}
if (!args.data) {
  console.error('usage: npm run model:eval -- --data FILE.jsonl [--model DIR] [--dtype q8|fp32] [--limit N]');
  process.exit(2);
}

env.allowRemoteModels = false;
const modelDir = path.resolve(args.model);
const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const lens = config.attention_lens;
const SPECIAL = lens.special_tokens;
const EOS = SPECIAL['<|endoftext|>'];
const CTX = config.n_positions;
const BLOCKED = lens.completion.blocked_token_ids.map((id) => [id]);

const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
const model = await AutoModelForCausalLM.from_pretrained(modelDir, { device: 'cpu', dtype: args.dtype });

const enc = (s) => tokenizer.encode(s, { add_special_tokens: false });
const ids = (name) => [SPECIAL[name]];

/** Token-level NLL (nats) of `seq` at positions >= from (predicting seq[t] from seq[<t]). */
async function nll(seq, from) {
  const T = seq.length;
  const input_ids = new Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, T]);
  const attention_mask = new Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
  const out = await model({ input_ids, attention_mask });
  const V = out.logits.dims[2];
  const data = out.logits.data;
  let total = 0, n = 0;
  for (let t = Math.max(1, from); t < T; t++) {
    const off = (t - 1) * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, data[off + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(data[off + v] - max);
    total += Math.log(sum) + max - data[off + seq[t]];
    n++;
  }
  return { total, n };
}

/** Greedy continuation of `prompt` ids; returns the new ids (EOS excluded). */
async function greedy(prompt, maxNew, badWords) {
  const T = prompt.length;
  const input_ids = new Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, T]);
  const attention_mask = new Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
  const out = await model.generate({
    input_ids, attention_mask, max_new_tokens: maxNew, do_sample: false,
    ...(badWords ? { bad_words_ids: badWords } : {}),
  });
  const all = out.tolist()[0].map(Number).slice(T);
  const e = all.indexOf(EOS);
  return e >= 0 ? all.slice(0, e) : all;
}

const words = (s) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

function rougeL(hyp, ref) {
  const a = words(hyp), b = words(ref);
  if (!a.length || !b.length) return 0;
  const dp = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  const lcs = dp[a.length][b.length];
  if (!lcs) return 0;
  const p = lcs / a.length, r = lcs / b.length;
  return (2 * p * r) / (p + r);
}

/** Corpus BLEU-4 (uniform weights, brevity penalty) on lower-cased word tokens. */
function corpusBleu(hyps, refs) {
  const match = [0, 0, 0, 0], total = [0, 0, 0, 0];
  let hl = 0, rl = 0;
  for (let k = 0; k < hyps.length; k++) {
    const h = words(hyps[k]), r = words(refs[k]);
    hl += h.length; rl += r.length;
    for (let n = 1; n <= 4; n++) {
      const counts = new Map();
      for (let i = 0; i + n <= r.length; i++) { const g = r.slice(i, i + n).join(' '); counts.set(g, (counts.get(g) ?? 0) + 1); }
      for (let i = 0; i + n <= h.length; i++) {
        const g = h.slice(i, i + n).join(' ');
        const c = counts.get(g) ?? 0;
        if (c > 0) { match[n - 1]++; counts.set(g, c - 1); }
        total[n - 1]++;
      }
    }
  }
  if (match.some((m) => m === 0)) return 0;
  const logp = match.reduce((s, m, i) => s + Math.log(m / total[i]), 0) / 4;
  const bp = hl > rl ? 1 : Math.exp(1 - rl / Math.max(1, hl));
  return 100 * bp * Math.exp(logp);
}

/** Baseline summary: the function's name as a sentence ("get_user_name" -> "Get user name."). */
function templateSummary(code) {
  const m = code.match(/(?:def|function)\s*\*?\s*([\w$]+)|(?:const|let|var)\s+([\w$]+)\s*=|^\s*(?:(?:public|private|protected|static|async)\s+)*([\w$]+)\s*\(/m);
  const name = m ? (m[1] ?? m[2] ?? m[3]) : null;
  if (!name) return 'Return the result.';
  const parts = name.replace(/^_+/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[_\s$]+/).filter(Boolean).map((w) => w.toLowerCase());
  if (!parts.length) return 'Return the result.';
  const s = parts.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

const firstLine = (s) => s.split('\n')[0].trim();
const prevLine = (prefix) => {
  const lines = prefix.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim()) return lines[i];
  return '';
};

const records = fs.readFileSync(args.data, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const sums = records.filter((r) => 'code' in r).slice(0, args.limit);
const fims = records.filter((r) => 'prefix' in r).slice(0, args.limit);

const t0 = Date.now();
let lossAll = { total: 0, n: 0 }, lossAns = { total: 0, n: 0 };
const add = (acc, x) => { acc.total += x.total; acc.n += x.n; };

// Summaries.
const hyps = [], refs = [], base = [], samples = [];
let rougeM = 0, rougeB = 0;
for (const r of sums) {
  const code = enc(r.code).slice(0, CTX - 48);
  const prompt = [...ids('<sum_code>'), ...code, ...ids('<sum_doc>')];
  const answer = [...enc(r.doc), EOS];
  const full = [...prompt, ...answer].slice(0, CTX);
  add(lossAll, await nll(full, 1));
  add(lossAns, await nll(full, prompt.length));
  const out = firstLine(tokenizer.decode(await greedy(prompt, 32, BLOCKED.filter(([i]) => i !== SPECIAL['<sum_doc>'])), { skip_special_tokens: true }));
  const b = templateSummary(r.code);
  hyps.push(out); refs.push(r.doc); base.push(b);
  rougeM += rougeL(out, r.doc); rougeB += rougeL(b, r.doc);
  samples.push({ kind: 'summary', code: r.code, reference: r.doc, model: out, baseline: b });
}

// One-line infill (FIM) and next-line completion.
let fimEM = 0, nextEM = 0, repeatEM = 0;
for (const r of fims) {
  const pre = enc(r.prefix).slice(-300), suf = enc(r.suffix).slice(0, 120);
  const prompt = [...ids('<fim_prefix>'), ...pre, ...ids('<fim_suffix>'), ...suf, ...ids('<fim_middle>')];
  const answer = [...enc(r.middle), EOS];
  const full = [...prompt, ...answer].slice(0, CTX);
  add(lossAll, await nll(full, 1));
  add(lossAns, await nll(full, prompt.length));
  const want = r.middle.trim();
  const fimOut = firstLine(tokenizer.decode(await greedy(prompt, 48, BLOCKED.filter(([i]) => i > SPECIAL['<fim_middle>'])), { skip_special_tokens: true }));
  const prePrompt = enc(r.prefix).slice(-400);
  const nextOut = firstLine(tokenizer.decode(await greedy(prePrompt, 48, BLOCKED), { skip_special_tokens: true }));
  if (fimOut === want) fimEM++;
  if (nextOut === want) nextEM++;
  if (prevLine(r.prefix).trim() === want) repeatEM++;
  samples.push({ kind: 'line', prefix_tail: r.prefix.slice(-160), reference: r.middle, fim: fimOut, next_line: nextOut });
}

// Decode speed: 128 new tokens with the KV cache after a warm-up run.
const speedPrompt = enc('import os\n\n\ndef read_config(path):\n');
await greedy(speedPrompt, 8, BLOCKED);
const ts = Date.now();
{
  const T = speedPrompt.length;
  await model.generate({
    input_ids: new Tensor('int64', BigInt64Array.from(speedPrompt.map(BigInt)), [1, T]),
    attention_mask: new Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    max_new_tokens: 128, min_new_tokens: 128, do_sample: false, bad_words_ids: BLOCKED,
  });
}
const tokPerS = 128 / ((Date.now() - ts) / 1000);

const result = {
  model: modelDir, dtype: args.dtype, records: { summaries: sums.length, lines: fims.length },
  val_loss: lossAll.n ? lossAll.total / lossAll.n : null,
  answer_loss: lossAns.n ? lossAns.total / lossAns.n : null,
  summary: { rougeL: sums.length ? rougeM / sums.length : null, bleu4: corpusBleu(hyps, refs),
    baseline_rougeL: sums.length ? rougeB / sums.length : null, baseline_bleu4: corpusBleu(base, refs) },
  fim_exact_match: fims.length ? fimEM / fims.length : null,
  next_line_exact_match: fims.length ? nextEM / fims.length : null,
  baseline_repeat_previous_line: fims.length ? repeatEM / fims.length : null,
  decode_tokens_per_second: tokPerS,
  seconds: (Date.now() - t0) / 1000,
};
const pct = (x) => (x == null ? 'n/a' : (100 * x).toFixed(1) + '%');
console.log(`model ${modelDir} (${args.dtype}); ${sums.length} summaries, ${fims.length} lines; ${result.seconds.toFixed(0)} s`);
console.log('| metric | model | baseline |');
console.log('|---|---|---|');
console.log(`| validation loss (nats/token, whole sequences) | ${result.val_loss?.toFixed(3)} | |`);
console.log(`| answer loss (nats/token, doc line / middle only) | ${result.answer_loss?.toFixed(3)} | |`);
console.log(`| summary ROUGE-L F1 | ${pct(result.summary.rougeL)} | ${pct(result.summary.baseline_rougeL)} (name template) |`);
console.log(`| summary BLEU-4 | ${result.summary.bleu4.toFixed(2)} | ${result.summary.baseline_bleu4.toFixed(2)} (name template) |`);
console.log(`| FIM exact match (one line) | ${pct(result.fim_exact_match)} | ${pct(result.baseline_repeat_previous_line)} (repeat previous line) |`);
console.log(`| next-line exact match | ${pct(result.next_line_exact_match)} | ${pct(result.baseline_repeat_previous_line)} (repeat previous line) |`);
console.log(`| decode speed (tokens/s, KV cache, cpu) | ${tokPerS.toFixed(0)} | |`);
if (args.json) fs.writeFileSync(args.json, JSON.stringify({ result, samples }, null, 1) + '\n');
await model.dispose();
