// Prompts for the benchmarks, from real source files in the dev dependencies (none written here):
// prompts of an exact token length, and fixed cursor positions for inline completions.
import { repo } from './benchSetup.mjs';
import * as fs from 'fs';
import * as path from 'path';

const SOURCE = fs.readFileSync(path.join(repo, 'node_modules/typescript/lib/lib.es5.d.ts'), 'utf8');

/** A prompt of exactly `length` tokens of the model's tokenizer, from the source at a place that depends on `seed`. */
export function promptOf(tokenizer, length, seed) {
  const start = (seed * 7919) % (SOURCE.length - 40000);
  const ids = tokenizer.encode(SOURCE.slice(start, start + 40000), { add_special_tokens: false });
  // Cut, decode, re-encode: byte-level BPE can merge differently at the cut, so trim until it fits.
  for (let n = length; n > 0; n--) {
    const text = tokenizer.decode(ids.slice(0, n), { skip_special_tokens: false });
    const back = tokenizer.encode(text, { add_special_tokens: false }).length;
    if (back === length) return text;
    if (back < length) return tokenizer.decode(ids.slice(0, n + 1), { skip_special_tokens: false });
  }
  throw new Error('no prompt');
}

// Real, well-known files that ship with this project's dev dependencies.
export const COMPLETION_SOURCES = [
  'node_modules/mocha/lib/runner.js',
  'node_modules/webpack/lib/Compiler.js',
  'node_modules/semver/classes/range.js',
  'node_modules/@vscode/vsce/out/package.js',
];

/** Fixed cursor positions: at the indentation of every 29th non-blank line (a statement start), and after its first word on every other; files interleaved, the first `count`. */
export function cursorPositions(count) {
  const byFile = COMPLETION_SOURCES.map((file) => {
    const text = fs.readFileSync(path.join(repo, file), 'utf8');
    const lines = text.split('\n');
    const positions = [];
    let offset = 0;
    const starts = lines.map((line) => {
      const s = offset;
      offset += line.length + 1;
      return s;
    });
    let k = 0;
    for (let i = 20; i < lines.length; i += 29) {
      const line = lines[i];
      if (!line.trim()) continue;
      const indent = line.length - line.trimStart().length;
      const firstWord = /^\s*[\w$.]+/.exec(line)?.[0].length ?? indent;
      const column = k++ % 2 === 0 ? indent : firstWord;
      positions.push({ file, line: i + 1, text, offset: starts[i] + column });
    }
    return positions;
  });
  const mixed = [];
  const total = byFile.reduce((n, list) => n + list.length, 0);
  for (let i = 0; mixed.length < total; i++) for (const list of byFile) if (list[i]) mixed.push(list[i]);
  return mixed.slice(0, count);
}

/** The editor window around a cursor position, as the completion provider sends it. */
export const windowOf = (p) => ({ prefix: p.text.slice(Math.max(0, p.offset - 24000), p.offset), suffix: p.text.slice(p.offset, p.offset + 8000), tabSize: 4 });
