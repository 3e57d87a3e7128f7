/**
 * Real HTTP and HTTPS servers on 127.0.0.1 for the remote client's tests: each request is recorded
 * (with its whole body) and handed to the test's handler; `close()` drops every connection, so a
 * test that leaves a stream open still ends at once. HTTPS uses a self-signed certificate made with
 * the openssl CLI at test time.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

/** One request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** `performance.now()` when the whole request had arrived. */
  readonly receivedAt: number;
}

/** Answers one request; may write slowly or never end. */
export type RequestHandler = (request: RecordedRequest, response: http.ServerResponse) => void | Promise<void>;

/** A running server. */
export interface LocalServer {
  /** `http(s)://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A certificate and its key, PEM text, and the folder holding them as files. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  readonly certFile: string;
  readonly folder: string;
}

/** Starts a server on a free port of 127.0.0.1; HTTPS when a certificate is given. */
export async function startServer(handler: RequestHandler, tls?: TestCertificate): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: performance.now() };
      requests.push(request);
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    baseUrl: `${tls ? 'https' : 'http'}://${host}/v1`,
    host,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Makes a self-signed certificate for 127.0.0.1 in a new temporary folder (remove it with `fs.rmSync`). */
export function makeSelfSignedCertificate(): TestCertificate {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-tls-'));
  const keyFile = path.join(folder, 'key.pem');
  const certFile = path.join(folder, 'cert.pem');
  // An EC key is made in milliseconds; the IP SAN is what Node checks the host against.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'pipe', timeout: 20_000 },
  );
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile, folder };
}

/** One server-sent event carrying `payload` as JSON. */
export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A streamed `/v1/completions` chunk. */
export function completionChunk(text: string, finishReason: string | null = null): object {
  return { id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text, finish_reason: finishReason }] };
}

/** A streamed `/v1/chat/completions` chunk. */
export function chatChunk(delta: object, finishReason: string | null = null): object {
  return { id: 'chat-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

/** Starts an SSE answer. */
export function beginEventStream(response: http.ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  response.flushHeaders();
}

/** Writes one piece and waits until it has left for the socket and the event loop has turned, so pieces travel apart. */
export async function writeApart(response: http.ServerResponse, piece: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => response.write(piece, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Sends a JSON answer. */
export function sendJson(response: http.ServerResponse, status: number, payload: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(payload));
}

/** Resolves when `emitter` emits `event`, or rejects after `ms`. */
export function eventWithin(emitter: NodeJS.EventEmitter, event: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Whether `promise` settles within `ms`; the timer never outlives the answer. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
