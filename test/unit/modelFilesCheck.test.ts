import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LensError } from '../../src/common/errors';
import { checkOnnxFile, configProblem, jsonObjectProblem, onnxLayoutProblem, readJsonObjectFile, regularFileSize, tokenizerProblem } from '../../src/common/modelFilesCheck';

/** A protobuf varint, written here apart from the module's reader. */
function varint(value: number): number[] {
  const out: number[] = [];
  do {
    out.push((value % 128) | (value >= 128 ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value > 0);
  return out;
}
const field = (number: number, content: Uint8Array): number[] => [...varint(number * 8 + 2), ...varint(content.length), ...content];
const intField = (number: number, value: number): number[] => [...varint(number * 8), ...varint(value)];

/** A ModelProto's top level: ir_version, producer_name, a graph of `graphBytes` bytes, an opset import. */
function modelBytes(graphBytes: number): Uint8Array {
  return Uint8Array.from([...intField(1, 8), ...field(2, Buffer.from('test')), ...field(7, new Uint8Array(graphBytes).fill(0x0a)), ...field(8, Uint8Array.from(intField(2, 17)))]);
}
const readerOf = (bytes: Uint8Array) => (offset: number, length: number) => bytes.subarray(offset, offset + length);
const layoutProblem = (bytes: Uint8Array) => onnxLayoutProblem(bytes.length, readerOf(bytes));

describe('model files check: JSON, config and tokenizer', () => {
  it('tells empty, broken, non-object and good JSON apart', () => {
    assert.strictEqual(jsonObjectProblem('  \n'), 'is empty');
    assert.match(jsonObjectProblem('{ "model_type": ') ?? '', /^is not valid JSON \(/);
    assert.strictEqual(jsonObjectProblem('[1]'), 'is not a JSON object');
    assert.strictEqual(jsonObjectProblem('null'), 'is not a JSON object');
    assert.strictEqual(jsonObjectProblem('{"a": 1}'), undefined);
  });

  it('needs a model_type the runtime supports', () => {
    const supported = (type: string) => type === 'gpt2';
    assert.match(configProblem({}, supported) ?? '', /no "model_type"/);
    assert.match(configProblem({ model_type: 7 }, supported) ?? '', /no "model_type"/);
    assert.match(configProblem({ model_type: 'bert' }, supported) ?? '', /model_type "bert"/);
    assert.strictEqual(configProblem({ model_type: 'gpt2' }, supported), undefined);
  });

  it('needs a tokenizer with a model section', () => {
    assert.match(tokenizerProblem({}) ?? '', /no "model" section/);
    assert.match(tokenizerProblem({ model: [] }) ?? '', /no "model" section/);
    assert.strictEqual(tokenizerProblem({ model: { type: 'BPE' } }), undefined);
  });
});

describe('model files check: ONNX layout', () => {
  it('accepts a whole model and says what is wrong with a damaged one', () => {
    const whole = modelBytes(300);
    assert.strictEqual(layoutProblem(whole), undefined);
    assert.strictEqual(layoutProblem(new Uint8Array(0)), 'is empty (0 bytes)');
    assert.match(layoutProblem(whole.subarray(0, 100)) ?? '', /^ends early: a field needs \d+ bytes but the file has 100/);
    // Cut just before the graph: every field is whole, but there is nothing to run.
    assert.match(layoutProblem(whole.subarray(0, 8)) ?? '', /has no graph/);
    assert.match(layoutProblem(Uint8Array.from([0x00, 0x01, 0x02])) ?? '', /not an ONNX model/);
    assert.match(layoutProblem(Uint8Array.from([0x0b, 0x01])) ?? '', /not an ONNX model/, 'wire type 3 (a group) is no ONNX field');
    assert.match(layoutProblem(Uint8Array.from([0x08, 0xff, 0xff])) ?? '', /unreadable bytes/, 'a varint that never ends');
  });

  it('reads only a few bytes per top-level field, however big the graph', () => {
    const graphBytes = 50_000_000;
    const head = Uint8Array.from([...intField(1, 8), ...varint(7 * 8 + 2), ...varint(graphBytes)]);
    let bytesRead = 0;
    const problem = onnxLayoutProblem(head.length + graphBytes, (offset, length) => {
      const slice = offset < head.length ? head.subarray(offset, offset + length) : new Uint8Array(0);
      bytesRead += slice.length;
      return slice;
    });
    assert.strictEqual(problem, undefined);
    assert.ok(bytesRead < 100, `${bytesRead} bytes read`);
  });
});

describe('model files check: files on disk', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-files-check-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const codeOf = (work: () => unknown): string => {
    try {
      work();
    } catch (error) {
      assert.ok(error instanceof LensError);
      return `${error.code}: ${error.message}`;
    }
    return 'no error';
  };

  it('never opens a FIFO, a folder or a looping link, and names each', () => {
    const pipe = path.join(scratch, 'config.json');
    execFileSync('mkfifo', [pipe]);
    assert.match(codeOf(() => readJsonObjectFile(pipe)), /^MODEL_INVALID: .*config\.json is a named pipe \(FIFO\)/);
    fs.mkdirSync(path.join(scratch, 'tokenizer.json'));
    assert.match(codeOf(() => regularFileSize(path.join(scratch, 'tokenizer.json'))), /tokenizer\.json is a folder/);
    fs.symlinkSync('loop.json', path.join(scratch, 'loop.json'));
    assert.match(codeOf(() => regularFileSize(path.join(scratch, 'loop.json'))), /loops/);
    assert.match(codeOf(() => regularFileSize(path.join(scratch, 'none.json'))), /^MODEL_NOT_FOUND: .*none\.json is missing/);
  });

  it('refuses a JSON file over the limit without reading it', () => {
    const big = path.join(scratch, 'config.json');
    fs.writeFileSync(big, '{}');
    fs.truncateSync(big, 3 * 1024 * 1024);
    assert.match(codeOf(() => readJsonObjectFile(big, 1024 * 1024)), /is 3 MB, over the 1 MB/);
  });

  it('checks an ONNX file on disk and returns its size', () => {
    const file = path.join(scratch, 'model.onnx');
    const whole = modelBytes(1000);
    fs.writeFileSync(file, whole);
    assert.strictEqual(checkOnnxFile(file), whole.length);
    fs.writeFileSync(file, whole.subarray(0, 500));
    assert.match(codeOf(() => checkOnnxFile(file)), /model\.onnx ends early/);
  });
});
