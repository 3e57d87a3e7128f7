/** Builds model folders on disk for the download-cache tests. */

import * as fs from 'fs';
import * as path from 'path';

/** Writes `files` (relative path → content) below `folder`, each dated `date`. */
export function writeTree(folder: string, files: Readonly<Record<string, string | Buffer>>, date = new Date(Date.UTC(2026, 10, 1))): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(folder, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.utimesSync(file, date, date);
  }
}

/** A whole model as a download leaves it: 11 + 20 + `weights` bytes. */
export const wholeModel = (weights: number): Record<string, string | Buffer> => ({
  'config.json': '{"a":12345}',
  'tokenizer.json': '{"model":{"a":1234}}',
  'onnx/model_q4.onnx': Buffer.alloc(weights),
});
