import * as assert from 'assert';
import { bracketPairs, headLabels, HEAD_ROLES, HEAD_ROLE_LABELS, HEAD_ROLE_SENTENCES, scoreHeadRoles, ROLE_LABEL_THRESHOLD, type HeadRole } from '../../src/common/headRoles';
import type { TensorData } from '../../src/common/attentionData';

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One character per token, so token indexes are character offsets. */
function charOffsets(text: string): [number, number][] {
  return [...text].map((_, i) => [i, i + 1]);
}

/** Attention [layers, heads, T, T] where head (l, h) puts row i's weight on `targets(l, h, i)` evenly. */
function constructed(layers: number, heads: number, T: number, targets: (l: number, h: number, i: number) => number[]): TensorData {
  const data = new Float32Array(layers * heads * T * T);
  for (let l = 0; l < layers; l++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < T; i++) {
        const js = targets(l, h, i);
        const base = ((l * heads + h) * T + i) * T;
        for (const j of js) data[base + j] += 1 / js.length;
      }
  return { dims: [layers, heads, T, T], data };
}

const uniform = (_l: number, _h: number, i: number): number[] => [...Array(i + 1).keys()];

function input(probs: TensorData, tokenIds: number[], text = '', offsets: [number, number][] = []) {
  return { probs, tokenIds, text, offsets };
}

/** The detection patterns straight from their definitions, as nested 0/1 arrays. */
function naivePattern(role: Exclude<HeadRole, 'bracketMatch'>, ids: number[]): number[][] {
  const T = ids.length;
  return ids.map((_, i) =>
    [...Array(T).keys()].map((j) => {
      if (j > i) return 0;
      switch (role) {
        case 'previousToken':
          return j === i - 1 ? 1 : 0;
        case 'firstToken':
          return i >= 1 && j === 0 ? 1 : 0;
        case 'duplicateToken':
          return j < i && ids[j] === ids[i] ? 1 : 0;
        case 'induction':
          return j >= 1 && j <= i - 1 && ids[j - 1] === ids[i] ? 1 : 0;
      }
    }),
  );
}

/** "mul" score averaged over the rows with a target, by nested loops. */
function naiveScore(probs: TensorData, layer: number, head: number, pattern: number[][]): number | undefined {
  const [, heads, T] = probs.dims;
  let sum = 0;
  let rows = 0;
  for (let i = 0; i < T; i++) {
    if (!pattern[i].some((p) => p === 1)) continue;
    rows++;
    for (let j = 0; j < T; j++) sum += probs.data[((layer * heads + head) * T + i) * T + j] * pattern[i][j];
  }
  return rows ? sum / rows : undefined;
}

describe('headRoles', () => {
  it('labels and sentences every role', () => {
    for (const role of HEAD_ROLES) {
      assert.ok(HEAD_ROLE_LABELS[role].length > 0 && HEAD_ROLE_SENTENCES[role].endsWith('.'), role);
    }
    assert.strictEqual(HEAD_ROLE_LABELS.firstToken, 'first token (sink)');
  });

  it('scores an exact previous-token head 1, a first-token head 1, uniform attention low', () => {
    const T = 12;
    const ids = [...Array(T).keys()];
    // Head 0: previous token (row 0 on itself); head 1: first token; head 2: uniform.
    const probs = constructed(1, 3, T, (_l, h, i) => (h === 0 ? [Math.max(0, i - 1)] : h === 1 ? [0] : uniform(0, h, i)));
    const result = scoreHeadRoles(input(probs, ids));
    const prev = result.scores.previousToken!;
    const first = result.scores.firstToken!;
    assert.ok(Math.abs(prev[0] - 1) < 1e-6, `previous ${prev[0]}`);
    assert.ok(Math.abs(first[1] - 1) < 1e-6, `first ${first[1]}`);
    assert.ok(prev[2] < 0.4 && first[2] < 0.4, `uniform ${prev[2]} ${first[2]}`);
    assert.ok(prev[1] < 0.1 && first[0] < 0.1);
    assert.strictEqual(result.rows.previousToken, T - 1);
    assert.strictEqual(result.rows.firstToken, T - 1);
    assert.deepStrictEqual(headLabels(result, 0, 0).map((l) => l.role), ['previousToken']);
    assert.deepStrictEqual(headLabels(result, 0, 2), []);
  });

  it('scores a perfect induction head 1 on a random sequence repeated twice', () => {
    const next = seeded(3);
    const half = [...Array(20)].map(() => Math.floor(next() * 50));
    const ids = [...half, ...half];
    const T = ids.length;
    const pattern = naivePattern('induction', ids);
    // Head 0 attends evenly to its induction targets (or to token 0 when it has none); head 1 is uniform.
    const probs = constructed(1, 2, T, (_l, h, i) => {
      if (h === 1) return uniform(0, h, i);
      const js = pattern[i].flatMap((p, j) => (p ? [j] : []));
      return js.length ? js : [0];
    });
    const result = scoreHeadRoles(input(probs, ids));
    assert.ok(Math.abs(result.scores.induction![0] - 1) < 1e-6, `induction ${result.scores.induction![0]}`);
    assert.ok(result.scores.induction![1] < 0.3, `uniform ${result.scores.induction![1]}`);
    assert.strictEqual(result.rows.induction, pattern.filter((row) => row.includes(1)).length);
    assert.ok(result.rows.induction >= 19);
  });

  it('matches a nested-loop recomputation on random attention for every token role', () => {
    const next = seeded(8);
    const T = 30;
    const ids = [...Array(T)].map(() => Math.floor(next() * 6)); // few ids: many duplicates
    const probs = constructed(2, 3, T, (_l, _h, i) => [...Array(i + 1)].map(() => Math.floor(next() * (i + 1))));
    const result = scoreHeadRoles(input(probs, ids));
    for (const role of ['previousToken', 'firstToken', 'duplicateToken', 'induction'] as const) {
      const pattern = naivePattern(role, ids);
      for (let l = 0; l < 2; l++)
        for (let h = 0; h < 3; h++) {
          const expected = naiveScore(probs, l, h, pattern)!;
          const actual = result.scores[role]![l * 3 + h];
          assert.ok(Math.abs(actual - expected) < 1e-5, `${role} (${l}, ${h}): ${actual} vs ${expected}`);
        }
    }
  });

  it('leaves duplicates and induction unscored when no token repeats', () => {
    const T = 6;
    const result = scoreHeadRoles(input(constructed(1, 1, T, uniform), [5, 4, 3, 2, 1, 0]));
    assert.strictEqual(result.scores.duplicateToken, undefined);
    assert.strictEqual(result.scores.induction, undefined);
    assert.strictEqual(result.rows.duplicateToken, 0);
    assert.strictEqual(result.scores.bracketMatch, undefined);
  });

  it('scores a bracket-matching head 1 on code', () => {
    const text = 'f(a[1], {b: "x)"})';
    const offsets = charOffsets(text);
    const pairs = bracketPairs(text, offsets);
    const opener = new Map(pairs.map((p) => [p.closer, p.opener]));
    const probs = constructed(1, 2, text.length, (_l, h, i) => (h === 0 ? [opener.get(i) ?? i] : uniform(0, h, i)));
    const result = scoreHeadRoles(input(probs, [...text].map((c) => c.charCodeAt(0)), text, offsets));
    assert.strictEqual(result.rows.bracketMatch, pairs.length);
    assert.ok(Math.abs(result.scores.bracketMatch![0] - 1) < 1e-6);
    assert.ok(result.scores.bracketMatch![1] < 0.4);
  });

  it('ranks labels strongest first and drops those under the threshold', () => {
    const scores = {
      layers: 1,
      heads: 1,
      scores: { previousToken: Float32Array.of(0.5), firstToken: Float32Array.of(0.9), duplicateToken: Float32Array.of(ROLE_LABEL_THRESHOLD - 0.01), induction: undefined, bracketMatch: Float32Array.of(0.4) },
      rows: { previousToken: 1, firstToken: 1, duplicateToken: 1, induction: 0, bracketMatch: 1 },
    };
    assert.deepStrictEqual(headLabels(scores, 0, 0).map((l) => l.role), ['firstToken', 'previousToken', 'bracketMatch']);
    assert.deepStrictEqual(headLabels(scores, 1, 0), []);
  });
});

describe('bracketPairs', () => {
  const pairs = (text: string) => bracketPairs(text, charOffsets(text)).map(({ closer, opener }) => `${text[opener]}${opener}${text[closer]}${closer}`);

  it('matches nested calls', () => {
    // f(g(x), [y])
    // 0123456789012
    assert.deepStrictEqual(pairs('f(g(x), [y])'), ['(3)5', '[8]10', '(1)11']);
  });

  it('ignores a bracket inside a string and pairs the quotes', () => {
    // print("a)", b)
    // 01234567890123
    assert.deepStrictEqual(pairs('print("a)", b)'), ['"6"9', '(5)13']);
    assert.deepStrictEqual(pairs("x = 'it\\'s (' + y"), ["'4'12"]);
  });

  it('ignores brackets in line and block comments', () => {
    const text = 'a(b // ) not this\n) # ] nor this\n/* ( */[]';
    const got = pairs(text);
    assert.deepStrictEqual(got, [`(1)${text.indexOf('\n') + 1}`, `[${text.length - 2}]${text.length - 1}`]);
    // `#` that starts no comment: a CSS colour, a C include.
    assert.deepStrictEqual(pairs('a { color: #fff; }'), ['{2}17']);
  });

  it('reads a JS template literal: text ignored, ${…} is code', () => {
    // `(${f(x)}]`
    // 0123456789
    assert.deepStrictEqual(pairs('`(${f(x)}]`'), ['(5)7', '{3}8', '`0`10']);
  });

  it('recovers from a stray closer and an unclosed opener', () => {
    assert.deepStrictEqual(pairs('(a]) ([b)'), ['(0)3', '(5)8']);
  });

  it('maps to tokens and skips a pair inside one token', () => {
    // Tokens: "f(" "x" ")" "()" — the pair in "()" is inside one token.
    const text = 'f(x)()';
    const offsets: [number, number][] = [
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ];
    assert.deepStrictEqual(bracketPairs(text, offsets), [{ closer: 2, opener: 0 }]);
  });
});
