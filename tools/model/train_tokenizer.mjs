#!/usr/bin/env node
/**
 * Trains the byte-level BPE tokenizer of Attention Lens and writes it in the Hugging Face layout
 * (tokenizer.json + tokenizer_config.json) that transformers.js loads.
 *
 * Usage: node tools/model/train_tokenizer.mjs --out DIR --vocab 8192 FILE...
 *
 * The npm `tokenizers` binding trains with fixed options (about 30k merges), so we train once and
 * keep the first K merges: a BPE merge list is learned greedily in order, so its prefix is exactly
 * the K-merge tokenizer. We then rebuild the vocabulary ourselves so that ids are stable:
 * special tokens first, then all 256 byte symbols, then one id per kept merge.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer, BPE, byteLevelPreTokenizer, byteLevelAlphabet } from 'tokenizers';

/** Special tokens, in id order. Their meaning is recorded in config.json's `attention_lens`. */
export const SPECIAL_TOKENS = [
  '<|endoftext|>', // 0: end of a document / of a generated answer; also used as padding
  '<fim_prefix>', // 1: fill-in-the-middle, prefix-suffix-middle order
  '<fim_suffix>', // 2
  '<fim_middle>', // 3
  '<sum_code>', // 4: summarization: <sum_code>{code}<sum_doc>{first doc line}<|endoftext|>
  '<sum_doc>', // 5
];

function parseArgs(argv) {
  const args = { out: null, vocab: 8192, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = argv[++i];
    else if (argv[i] === '--vocab') args.vocab = Number(argv[++i]);
    else args.files.push(argv[i]);
  }
  if (!args.out || args.files.length === 0) throw new Error('usage: --out DIR [--vocab N] FILE...');
  return args;
}

/** Builds the tokenizer.json object from a merge list (pairs of byte-level symbols). */
export function buildTokenizerJson(merges, targetSize) {
  const vocab = Object.create(null); // no prototype: "constructor" is a real token in code
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  for (const ch of byteLevelAlphabet().sort((a, b) => a.codePointAt(0) - b.codePointAt(0))) {
    if (!(ch in vocab)) vocab[ch] = Object.keys(vocab).length;
  }
  const kept = [];
  for (const [a, b] of merges) {
    if (Object.keys(vocab).length >= targetSize) break;
    if (!(a in vocab) || !(b in vocab)) continue; // cannot happen for a true prefix; be safe
    const merged = a + b;
    if (merged in vocab) { kept.push([a, b]); continue; } // a second route to a known symbol
    vocab[merged] = Object.keys(vocab).length;
    kept.push([a, b]);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    // No prefix space: code must round-trip byte for byte.
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab, merges: kept,
    },
  };
}

/** tokenizer_config.json: no cleanup of spaces (it would change code), EOS doubles as padding. */
export function buildTokenizerConfig(maxLength) {
  const decoder = {};
  SPECIAL_TOKENS.forEach((content, id) => {
    decoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  return {
    tokenizer_class: 'GPT2Tokenizer',
    add_bos_token: false,
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    additional_special_tokens: SPECIAL_TOKENS.slice(1),
    added_tokens_decoder: decoder,
    model_max_length: maxLength,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const trainer = new Tokenizer(BPE.empty());
  trainer.setPreTokenizer(byteLevelPreTokenizer(false, true));
  trainer.train(args.files);
  const tmp = path.join(os.tmpdir(), `lens-bpe-${process.pid}.json`);
  trainer.save(tmp);
  const trained = JSON.parse(fs.readFileSync(tmp, 'utf8'));
  fs.unlinkSync(tmp);
  const allMerges = trained.model.merges.map((m) => (Array.isArray(m) ? m : m.split(' ')));
  // A few learned merges can produce a symbol already present; skipping them keeps the remaining
  // list a valid prefix, so we read merges until the vocabulary reaches the target size.
  const tokJson = buildTokenizerJson(allMerges, args.vocab);
  if (Object.keys(tokJson.model.vocab).length < args.vocab) console.warn(`only ${allMerges.length} merges learned; vocab is smaller`);
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, 'tokenizer.json'), JSON.stringify(tokJson));
  fs.writeFileSync(path.join(args.out, 'tokenizer_config.json'), JSON.stringify(buildTokenizerConfig(1024), null, 2) + '\n');
  const size = Object.keys(tokJson.model.vocab).length;
  console.log(`tokenizer: vocab ${size} (${tokJson.model.merges.length} merges) from ${args.files.length} files in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${args.out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
