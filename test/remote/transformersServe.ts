/**
 * Runs Hugging Face `transformers serve` (an OpenAI-compatible HTTP server) on the bundled model,
 * for tests of the remote engine: a real server, not a stand-in. Node only, no `vscode` import.
 *
 * The first call puts the Python packages in .cache/serve-python/ (tools/serve/ensure_serve_packages.sh)
 * and converts the bundled ONNX model into a transformers GPT-2 folder under .cache/serve-models/
 * (tools/serve/to_transformers_gpt2.py, checked against onnxruntime); later calls reuse both until
 * the ONNX file, the tokenizer or the converter is newer than the folder.
 */

import { execFile, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { promisify } from 'util';

const execFileAsync = promisify(execFile);

/** The repository root (this file runs as out/test/remote/transformersServe.js). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_MODEL_DIR = path.join(REPO_ROOT, 'models', 'lens-coder');
const ENSURE_SCRIPT = path.join(REPO_ROOT, 'tools', 'serve', 'ensure_serve_packages.sh');
const CONVERTER = path.join(REPO_ROOT, 'tools', 'serve', 'to_transformers_gpt2.py');
const SERVE_LAUNCHER = path.join(REPO_ROOT, 'tools', 'serve', 'serve_logged.py');
// Installing torch and transformers from the local index takes about a minute; allow for a slow disk.
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const CONVERT_TIMEOUT_MS = 5 * 60_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_CHARS = 4_000;

/** A running `transformers serve` with the bundled model. */
export interface ServedModel {
  /** `http://127.0.0.1:PORT`, without a trailing slash; the API is under `/v1`. */
  readonly baseUrl: string;
  /** The value to send as `model`: the converted folder's absolute path (the server echoes it with `@main`). */
  readonly model: string;
  /** The server's stdout and stderr so far, interleaved as they arrived. */
  log(): string;
  /** Calls `listener` with every new piece of the log; returns the function that unsubscribes it. */
  onLog(listener: (chunk: string) => void): () => void;
  /** Kills the server's process group; resolves once the server has exited (bounded). */
  stop(): Promise<void>;
}

/** Where the model comes from, where the log goes, and how long the start may take. */
export interface TransformersServeOptions {
  /** A bundled model folder (config.json, tokenizer files, onnx/model.onnx); default models/lens-coder. */
  modelDir?: string;
  /** A file the server's log is also appended to, for a test run's artifacts. */
  logFile?: string;
  /** Bound on starting the server and warming the model (not the one-time install); default 120 s. */
  timeoutMs?: number;
}

/** Starts `transformers serve` on a free loopback port with the bundled model loaded and warmed. */
export async function startTransformersServe(options: TransformersServeOptions = {}): Promise<ServedModel> {
  const modelDir = path.resolve(options.modelDir ?? DEFAULT_MODEL_DIR);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const python = await ensureServePython();
  const model = await ensureConvertedModel(python, modelDir);
  const port = await findFreePort();
  const served = spawnServer(python, model, port, options.logFile);
  try {
    await withTimeout(
      Promise.race([waitForLog(served, /Uvicorn running on/, timeoutMs), served.exited.then(exitedEarly)]),
      timeoutMs,
      'the server did not start listening',
    );
    await warm(served, timeoutMs);
  } catch (error) {
    const tail = served.log().slice(-LOG_TAIL_CHARS);
    await served.stop();
    throw new Error(`transformers serve failed to start: ${(error as Error).message}\n--- server log tail ---\n${tail}`);
  }
  return served;
}

/** Resolves with the first log line matching `pattern` (already logged or yet to come); rejects after `timeoutMs`. */
export function waitForLog(served: ServedModel, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => undefined;
    const check = (): boolean => {
      const line = served.log().split('\n').find((candidate) => pattern.test(candidate));
      if (line === undefined) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(line);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no log line matched ${pattern} within ${timeoutMs} ms; log tail:\n${served.log().slice(-LOG_TAIL_CHARS)}`));
    }, timeoutMs).unref(); // a wait abandoned by a race must not keep the test process alive
    if (check()) return;
    unsubscribe = served.onLog(() => void check());
  });
}

/** Runs tools/serve/ensure_serve_packages.sh; returns the python that has transformers serve. */
async function ensureServePython(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [ENSURE_SCRIPT], {
    cwd: REPO_ROOT,
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`${ENSURE_SCRIPT} failed: ${error.message}\n${(error.stderr ?? '').slice(-LOG_TAIL_CHARS)}`);
  });
  const python = stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(python)) throw new Error(`${ENSURE_SCRIPT} printed no python executable: ${JSON.stringify(stdout)}`);
  return python;
}

/**
 * A second folder beside the served one, the same weights (hard links) and tokenizer with
 * `chatTemplate` added to its tokenizer_config.json, so `/v1/chat/completions` can run on the
 * bundled model (whose own tokenizer has no chat template). The server loads it when a request
 * names it as `model`; returns that name.
 */
export function chatVariant(served: ServedModel, chatTemplate: string): string {
  const out = `${served.model}-chat`;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const name of fs.readdirSync(served.model)) {
    const from = path.join(served.model, name);
    if (!fs.statSync(from).isFile()) continue;
    if (name === 'tokenizer_config.json') {
      const config = JSON.parse(fs.readFileSync(from, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(path.join(out, name), JSON.stringify({ ...config, chat_template: chatTemplate }, null, 2));
    } else {
      fs.linkSync(from, path.join(out, name));
    }
  }
  return out;
}

/** Converts the bundled model unless .cache/serve-models/<name> is newer than its inputs; returns the folder. */
async function ensureConvertedModel(python: string, modelDir: string): Promise<string> {
  const onnxFile = path.join(modelDir, 'onnx', 'model.onnx');
  const out = path.join(REPO_ROOT, '.cache', 'serve-models', path.basename(modelDir));
  const inputs = [onnxFile, path.join(modelDir, 'config.json'), path.join(modelDir, 'tokenizer.json'),
    path.join(modelDir, 'tokenizer_config.json'), CONVERTER];
  const builtAt = modifiedMs(path.join(out, 'model.safetensors'));
  if (builtAt !== undefined && inputs.every((input) => (modifiedMs(input) ?? Infinity) <= builtAt)) return out;

  // Written beside and renamed into place, so a half-written folder is never served.
  const staging = `${out}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  await execFileAsync(python, [CONVERTER, '--onnx', onnxFile, '--model-dir', modelDir, '--out', staging, '--check'], {
    cwd: REPO_ROOT,
    env: pythonEnv(),
    timeout: CONVERT_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`converting ${onnxFile} failed: ${error.message}\n${error.stdout ?? ''}${(error.stderr ?? '').slice(-LOG_TAIL_CHARS)}`);
  });
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
  return out;
}

/** The environment the Python side runs in: offline, its own empty Hugging Face home, no stray PYTHONPATH. */
function pythonEnv(): NodeJS.ProcessEnv {
  const hfHome = path.join(REPO_ROOT, '.cache', 'serve-hf-home');
  // /v1/models scans the hub cache and answers 500 when that folder does not exist.
  fs.mkdirSync(path.join(hfHome, 'hub'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_HOME: hfHome,
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_HUB_DISABLE_TELEMETRY: '1',
    PYTHONUNBUFFERED: '1', // log lines arrive as they are written, not when a buffer fills
  };
  for (const name of ['PYTHONPATH', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) {
    delete env[name];
  }
  return env;
}

/** Spawns the server in its own process group, collecting its log. */
function spawnServer(python: string, model: string, port: number, logFile: string | undefined): ServedModel & { exited: Promise<void> } {
  const child: ChildProcess = spawn(
    python,
    // serve_logged.py is `transformers serve` with a log line when a disconnect stops a generation.
    [SERVE_LAUNCHER, 'serve', '--host', '127.0.0.1', '--port', String(port)],
    { cwd: REPO_ROOT, env: pythonEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const listeners = new Set<(chunk: string) => void>();
  const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  const append = (data: Buffer): void => {
    const chunk = data.toString('utf8');
    log += chunk;
    logStream?.write(chunk);
    for (const listener of [...listeners]) listener(chunk);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      append(Buffer.from(`\n[harness] could not run ${python}: ${error.message}\n`));
      resolve();
    });
  });
  // A test runner that exits without stop() must not leave the server behind.
  const killOnExit = (): void => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, 'SIGTERM');
        // uvicorn waits for open streams on SIGTERM; a stream a test left open must not hold stop().
        const ended = await Promise.race([exited.then(() => true), delay(STOP_GRACE_MS).then(() => false)]);
        if (!ended) {
          signalGroup(child, 'SIGKILL');
          await withTimeout(exited, STOP_GRACE_MS, 'the server did not exit after SIGKILL');
        }
      }
      await new Promise<void>((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    })();
    return stopping;
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    model,
    log: () => log,
    onLog: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
    exited,
  };
}

/** One tiny request: the server loads a model on its first request, which the tests should not time. */
async function warm(served: ServedModel, timeoutMs: number): Promise<void> {
  const response = await fetch(`${served.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: served.model, prompt: 'x', max_tokens: 1 }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`the warm-up request answered ${response.status}: ${await response.text()}`);
  await response.json();
}

/** Signals the whole process group (the server may have started helpers of its own). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** A loopback port nobody listens on right now. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

function modifiedMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Turns "the server exited" into a rejection inside a race. */
function exitedEarly(): Promise<never> {
  return Promise.reject(new Error('the server exited before it listened'));
}
