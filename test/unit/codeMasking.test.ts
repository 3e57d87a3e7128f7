import * as assert from 'assert';
import { maskCode, maskCodeInSteps, type MaskedText } from '../../src/summarize/codeMasking';

// Runs the stepwise masker to its end, counting the times it gave the caller a turn.
function maskInSteps(lines: readonly string[], languageId: string, charsPerStep: number): { masked: MaskedText; steps: number } {
  const generator = maskCodeInSteps(lines, languageId, charsPerStep);
  let steps = 0;
  for (let step = generator.next(); ; step = generator.next(), steps++) {
    if (step.done) return { masked: step.value, steps };
  }
}

describe('maskCode', () => {
  it('blanks comments and string contents and keeps columns', () => {
    assert.deepStrictEqual(maskCode(['a = "{x}" # }', "b = 'y'"], 'python'), ['a = "   "    ', "b = ' '"]);
    assert.deepStrictEqual(maskCode(['x /* a', 'b */ y // z'], 'c'), ['x     ', '     y     ']);
    assert.deepStrictEqual(maskCode(['s := `a', 'b` + "c"'], 'go'), ['s := ` ', ' ` + " "']);
  });

  it('tells a regular expression from a division by the code before the slash', () => {
    assert.deepStrictEqual(maskCode(['x = a / b; return /{/.test(s) /* } */ + typeof /}/'], 'javascript'), ['x = a / b; return / /.test(s)         + typeof / /']);
    assert.deepStrictEqual(maskCode(['y = "s" / 2; z = c++ / d'], 'javascript'), ['y = " " / 2; z = c++ / d']);
  });

  it('reads Rust raw strings by their hashes, and a word ending in r as no prefix', () => {
    assert.deepStrictEqual(maskCode(['let s = r#"a"b"#; let t = br"{"; let u = xr"{";'], 'rust'), ['let s = r#"   "#; let t = br" "; let u = xr" ";']);
  });

  it('masks in steps exactly as in one go', () => {
    const lines = ['/* a {', ' } */ const s = `x', '${y}` + "{";', 'f(/}/);'];
    for (const chars of [1, 5, 1000]) assert.deepStrictEqual(maskInSteps(lines, 'javascript', chars).masked.lines, maskCode(lines, 'javascript'));
  });

  it('yields after about the given number of characters', () => {
    const lines = ['const a = 1;', 'const b = 2;', 'const c = 3;', 'const d = 4;'];
    assert.strictEqual(maskInSteps(lines, 'javascript', 1).steps, 4, 'every line is past a one-character step');
    assert.strictEqual(maskInSteps(lines, 'javascript', 26).steps, 2, 'two lines of 12 characters and their breaks make a step');
    assert.strictEqual(maskInSteps(lines, 'javascript', 1000).steps, 0);
  });

  it('marks the lines that start inside a string, and not those inside a comment', () => {
    const python = ['s = """a', 'b', 'c"""', 'x = 1'];
    assert.deepStrictEqual(maskInSteps(python, 'python', 1000).masked.startsInString, [false, true, true, false]);
    const js = ['/* a', 'b */ const t = `x', 'y`;'];
    assert.deepStrictEqual(maskInSteps(js, 'javascript', 1000).masked.startsInString, [false, false, true]);
  });

  it('keeps the columns of a line longer than a scan reads', () => {
    const line = 'var s = "{";'.repeat(20_000);
    assert.strictEqual(maskCode([line], 'javascript')[0].length, line.length);
  });
});
