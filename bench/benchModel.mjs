// The ~100M-parameter benchmark model (random weights, fp32 and int8 ONNX), made on first use by
// tools/bench/make_bench_model.py with torch and onnx from .cache/python-packages/.
import { repo } from './benchSetup.mjs';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const benchModelDir = path.join(repo, '.cache/bench-models/gpt2-100m');
// tools/bench/make_bench_model.py's VERSION: an older model is remade.
const VERSION = 2;

/** Makes the 100M model when it is missing or older (installing the Python packages first); its folder. */
export function ensureBenchModel() {
  const marker = path.join(benchModelDir, 'bench-model.json');
  if (fs.existsSync(marker) && JSON.parse(fs.readFileSync(marker, 'utf8')).version === VERSION) return benchModelDir;
  console.log('making the 100M benchmark model (tools/bench/make_bench_model.py) …');
  const packages = execFileSync('bash', [path.join(repo, 'tools/bench/ensure_python_packages.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  execFileSync('python3', [path.join(repo, 'tools/bench/make_bench_model.py'), '--out', benchModelDir], { stdio: 'inherit', env: { ...process.env, PYTHONPATH: packages } });
  return benchModelDir;
}
