/**
 * Cheap checks of a model folder's files, run before the model that serves now is let go: each file
 * is a regular file (a FIFO, folder or device is never opened, so nothing can hang the worker), a
 * JSON file is read within a size limit and parsed, and an ONNX file's top-level protobuf fields
 * are walked (tags and lengths only) so that a truncated or random file is caught without a session.
 */

import * as fs from 'fs';
import { LensError } from './errors';

/** Largest JSON file read: big-vocabulary tokenizer.json files are ~20 MB; a config is a few kB. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Most top-level protobuf fields walked in an ONNX file (a model has a handful, plus metadata). */
const MAX_ONNX_FIELDS = 100_000;

/** ModelProto's `graph` field: a model without it has nothing to run. */
const ONNX_GRAPH_FIELD = 7;

/** What a path is, in words, when it is not a regular file. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The size of `file`, which must be a regular file (symlinks followed); throws MODEL_NOT_FOUND or MODEL_INVALID. */
export function regularFileSize(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LensError('MODEL_NOT_FOUND', `${file} is missing from the model folder.`);
    if (code === 'ELOOP') throw new LensError('MODEL_INVALID', `${file} is a symbolic link that loops; it points at no file.`);
    throw new LensError('MODEL_INVALID', `${file} cannot be read (${code ?? 'unknown reason'}).`);
  }
  if (!stat.isFile()) throw new LensError('MODEL_INVALID', `${file} is ${kindOf(stat)}, not a file; the model cannot be read from it.`);
  return stat.size;
}

/** Why `text` (a whole JSON file) is not a JSON object, or undefined when it is one. */
export function jsonObjectProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is empty';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'is not a JSON object';
  return undefined;
}

/** Reads and parses a JSON object file within MAX_JSON_BYTES; throws a LensError naming the file and its fault. */
export function readJsonObjectFile(file: string, maxBytes = MAX_JSON_BYTES): Record<string, unknown> {
  const size = regularFileSize(file);
  if (size > maxBytes) {
    throw new LensError('MODEL_INVALID', `${file} is ${megabytes(size)}, over the ${megabytes(maxBytes)} a model's JSON file may have; it looks damaged.`);
  }
  const text = fs.readFileSync(file, 'utf8');
  const problem = jsonObjectProblem(text);
  if (problem) throw new LensError('MODEL_INVALID', `${file} ${problem}; the model files look damaged.`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Why tokenizer.json's object cannot be a tokenizer, or undefined. */
export function tokenizerProblem(tokenizer: Record<string, unknown>): string | undefined {
  const model = tokenizer.model;
  if (!model || typeof model !== 'object' || Array.isArray(model)) return 'has no "model" section (the vocabulary)';
  return undefined;
}

/** Why config.json cannot load as a causal language model, or undefined; `supported` tells known model types. */
export function configProblem(config: Record<string, unknown>, supported: (modelType: string) => boolean): string | undefined {
  const modelType = config.model_type;
  if (typeof modelType !== 'string' || modelType === '') return 'has no "model_type", so the architecture is unknown';
  if (!supported(modelType)) return `names model_type "${modelType}", which is no text-generation architecture this runtime supports`;
  return undefined;
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Uint8Array;

/** A protobuf varint at `at` in `bytes`: its value and length, or undefined when it does not end there. */
function varint(bytes: Uint8Array, at: number): { value: number; length: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i - at < 10; i++) {
    value += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if ((bytes[i] & 0x80) === 0) return { value, length: i - at + 1 };
  }
  return undefined;
}

/**
 * Why an ONNX file of `size` bytes is not a whole ModelProto, or undefined: walks its top-level
 * fields through `read` (a few bytes per field), so a file cut short, random bytes or an empty file
 * are told apart from a model without building a session.
 */
export function onnxLayoutProblem(size: number, read: ByteReader): string | undefined {
  if (size === 0) return 'is empty (0 bytes)';
  let offset = 0;
  let hasGraph = false;
  for (let fields = 0; offset < size; fields++) {
    if (fields >= MAX_ONNX_FIELDS) return 'has more top-level fields than any model; it is not an ONNX model';
    const head = read(offset, 20);
    const tag = varint(head, 0);
    if (!tag) return `is not an ONNX model (unreadable bytes at offset ${offset})`;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0 || field > 1000) return `is not an ONNX model (no valid field at offset ${offset})`;
    let end: number;
    if (wireType === 0) {
      const value = varint(head, tag.length);
      if (!value) return `is not an ONNX model (unreadable bytes at offset ${offset})`;
      end = offset + tag.length + value.length;
    } else if (wireType === 2) {
      const length = varint(head, tag.length);
      if (!length) return `is not an ONNX model (unreadable bytes at offset ${offset})`;
      end = offset + tag.length + length.length + length.value;
    } else if (wireType === 1) {
      end = offset + tag.length + 8;
    } else if (wireType === 5) {
      end = offset + tag.length + 4;
    } else {
      return `is not an ONNX model (no valid field at offset ${offset})`;
    }
    if (end > size) return `ends early: a field needs ${end} bytes but the file has ${size} (truncated?)`;
    if (field === ONNX_GRAPH_FIELD && wireType === 2) hasGraph = true;
    offset = end;
  }
  return hasGraph ? undefined : 'has no graph; it is not a whole ONNX model';
}

/** Checks an ONNX weights file's layout (regular file, whole top-level protobuf); returns its size. */
export function checkOnnxFile(file: string): number {
  const size = regularFileSize(file);
  const fd = fs.openSync(file, 'r');
  try {
    const problem = onnxLayoutProblem(size, (offset, length) => {
      const buffer = Buffer.alloc(length);
      const read = fs.readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, read);
    });
    if (problem) throw new LensError('MODEL_INVALID', `${file} ${problem}; the model file is damaged.`);
  } finally {
    fs.closeSync(fd);
  }
  return size;
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
