// What every benchmark script needs first: the repo root, `require` for the compiled out/ modules
// and CommonJS packages, and `--name value` options.
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

export const require = createRequire(import.meta.url);
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The value after `--name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
