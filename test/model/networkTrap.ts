/**
 * Test helper: replaces every Node API that can open a network connection or look up a name
 * (fetch, http/https/http2, net, tls, dns, dgram, WebSocket) with a recorder that throws, so a
 * test can assert that nothing tried. It must be installed before the code under test loads:
 * transformers.js keeps the `fetch` it finds at import.
 *
 * Three ways in: `installNetworkTrap` in the test process; as a worker's entry
 * (`networkTrapWorker`), where it installs itself and then runs the real worker; and in any child
 * process of that worker, through NODE_OPTIONS `--require` — each appending attempts to one file.
 */

import * as fs from 'fs';
import { isMainThread, Worker } from 'worker_threads';
// The modules themselves (not `import * as` copies, whose properties cannot be replaced).
import dgram = require('dgram');
import dns = require('dns');
import http = require('http');
import http2 = require('http2');
import https = require('https');
import net = require('net');
import tls = require('tls');

/** Where a trap installed from the environment appends its attempts (one JSON line each). */
const LOG_ENV = 'LENS_NETWORK_TRAP_LOG';
/** The real worker script that the trap's worker entry runs after installing itself. */
const RUN_ENV = 'LENS_NETWORK_TRAP_RUN';

type Patch = [target: object, key: string];

function describeTarget(args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first === 'string' || typeof first === 'number') return String(first);
  if (first instanceof URL) return first.href;
  if (first && typeof first === 'object') {
    const o = first as Record<string, unknown>;
    if (typeof o.url === 'string') return o.url; // a fetch Request
    return JSON.stringify({ host: o.host ?? o.hostname, port: o.port, path: o.path ?? o.socketPath });
  }
  return typeof first;
}

/**
 * Replaces the network APIs with throwing recorders; `record` gets one line per attempt.
 * Returns a function that puts the originals back.
 */
export function installNetworkTrap(record: (attempt: string) => void): () => void {
  const originals: [object, string, unknown][] = [];
  const trap = (api: string, isAsync: boolean) => (...args: unknown[]): never | Promise<never> => {
    const attempt = `${api} ${describeTarget(args)}`;
    record(attempt);
    const error = new Error(`network access blocked by the test: ${attempt}`);
    if (isAsync) return Promise.reject(error);
    throw error;
  };
  const patches: [Patch, string, boolean][] = [
    [[globalThis, 'fetch'], 'fetch', true],
    [[http, 'request'], 'http.request', false],
    [[http, 'get'], 'http.get', false],
    [[https, 'request'], 'https.request', false],
    [[https, 'get'], 'https.get', false],
    [[http2, 'connect'], 'http2.connect', false],
    [[net, 'connect'], 'net.connect', false],
    [[net, 'createConnection'], 'net.createConnection', false],
    [[net.Socket.prototype, 'connect'], 'net.Socket.connect', false],
    [[tls, 'connect'], 'tls.connect', false],
    [[dgram, 'createSocket'], 'dgram.createSocket', false],
    [[dns, 'lookup'], 'dns.lookup', false],
    [[dns, 'resolve'], 'dns.resolve', false],
    [[dns, 'resolve4'], 'dns.resolve4', false],
    [[dns, 'resolve6'], 'dns.resolve6', false],
    [[dns.promises, 'lookup'], 'dns.promises.lookup', true],
    [[dns.promises, 'resolve'], 'dns.promises.resolve', true],
  ];
  for (const name of ['WebSocket', 'EventSource', 'XMLHttpRequest']) {
    if (name in globalThis) patches.push([[globalThis, name], name, false]);
  }
  for (const [[target, key], api, isAsync] of patches) {
    originals.push([target, key, (target as Record<string, unknown>)[key]]);
    Object.defineProperty(target, key, { value: trap(api, isAsync), writable: true, configurable: true });
  }
  return () => {
    for (const [target, key, value] of originals.reverse()) {
      Object.defineProperty(target, key, { value, writable: true, configurable: true });
    }
  };
}

/**
 * Starts `workerPath` as a worker with the trap installed first, and in every child process it
 * starts; attempts are appended to `logFile`. Fits ClientOptions.spawn.
 */
export function networkTrapWorker(workerPath: string, workerData: unknown, logFile: string): Worker {
  return new Worker(__filename, { workerData, env: { ...trapEnvironment(logFile), [RUN_ENV]: workerPath } });
}

/** An environment whose Node processes load the trap first and append their attempts to `logFile`. */
export function trapEnvironment(logFile: string): NodeJS.ProcessEnv {
  const preload = `--require ${JSON.stringify(__filename)}`;
  return { ...process.env, [LOG_ENV]: logFile, NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ') };
}

/** The attempts a trap installed from the environment wrote to `logFile`. */
export function readTrapLog(logFile: string): string[] {
  return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
}

const logFile = process.env[LOG_ENV];
if (logFile) {
  const where = isMainThread ? `process ${process.pid}` : 'worker';
  installNetworkTrap((attempt) => fs.appendFileSync(logFile, `${where}: ${attempt}\n`));
  const run = process.env[RUN_ENV];
  // Only the worker entry runs the real worker; a child process was started for its own script.
  if (!isMainThread && run) require(run);
}
