#!/usr/bin/env node
/**
 * Encodes texts with a tokenizer.json through the Rust `tokenizers` binding (the same ids as
 * transformers.js). stdin: JSON array of strings; stdout: JSON array of id arrays.
 * Usage: node tools/model/encode.mjs DIR/tokenizer.json < texts.json
 */
import fs from 'node:fs';
import { Tokenizer } from 'tokenizers';

const tok = Tokenizer.fromFile(process.argv[2]);
const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = [];
for (const t of texts) out.push((await tok.encode(t)).getIds());
process.stdout.write(JSON.stringify(out));
