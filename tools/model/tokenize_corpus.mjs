#!/usr/bin/env node
/**
 * Tokenizes the training documents into uint16 token streams for train.py.
 *
 * Usage: node tools/model/tokenize_corpus.mjs --tokenizer DIR --docs WORK/docs --out tools/model/data
 *        [--max-train-tokens N]
 *
 * Each document already ends with <|endoftext|> (special tokens are written as text and matched
 * by the tokenizer as added tokens). Writes OUT/{train,val}.bin.gz (little-endian uint16) and
 * OUT/stats.json. Documents are shuffled with a fixed seed before the train cap is applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Tokenizer } from 'tokenizers';

const args = { maxTrain: Infinity };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--tokenizer') args.tokenizer = process.argv[++i];
  else if (a === '--docs') args.docs = process.argv[++i];
  else if (a === '--out') args.out = process.argv[++i];
  else if (a === '--max-train-tokens') args.maxTrain = Number(process.argv[++i]);
}
const tok = Tokenizer.fromFile(path.join(args.tokenizer, 'tokenizer.json'));
fs.mkdirSync(args.out, { recursive: true });

/** Deterministic shuffle (mulberry32) so reruns produce the same streams. */
function shuffle(arr, seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
}

const stats = {};
for (const split of ['train', 'val']) {
  const docs = fs.readFileSync(path.join(args.docs, `${split}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
  shuffle(docs, 1234);
  const cap = split === 'train' ? args.maxTrain : 2_000_000;
  const parts = [];
  let n = 0, chars = 0;
  const t0 = Date.now();
  for (let i = 0; i < docs.length && n < cap; i += 2000) {
    const encs = await tok.encodeBatch(docs.slice(i, i + 2000));
    for (let j = 0; j < encs.length && n < cap; j++) {
      const ids = encs[j].getIds();
      parts.push(Uint16Array.from(ids));
      n += ids.length;
      chars += docs[i + j].length;
    }
  }
  const all = new Uint16Array(n);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  const gz = zlib.gzipSync(Buffer.from(all.buffer), { level: 6 });
  fs.writeFileSync(path.join(args.out, `${split}.bin.gz`), gz);
  stats[split] = { documents: docs.length, tokens: n, chars, chars_per_token: +(chars / n).toFixed(3), gz_bytes: gz.length, seconds: (Date.now() - t0) / 1000 };
  console.log(split, JSON.stringify(stats[split]));
}
fs.writeFileSync(path.join(args.out, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
