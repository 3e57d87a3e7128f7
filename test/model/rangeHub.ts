/**
 * A real HTTP server in the Hugging Face Hub layout for download tests, on loopback only. Like the
 * Hub, an LFS file (`.onnx`, `.onnx_data`) answers its resolve URL with a 302 carrying
 * `x-linked-etag` (sha256) and `x-linked-size` to a CDN path, and a plain file answers 200 with its
 * git blob sha1 as `etag`. Bodies honour `Range: bytes=N-`. Each file can be told to misbehave:
 * answer a status, be slow, hang, end early, advertise a wrong checksum, or ignore Range.
 * (localHub.ts serves whole bodies only, with no headers to verify against, so this is a second server.)
 */

import { createHash } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

/** How one file misbehaves; an empty object serves it correctly. */
export interface FileBehaviour {
  /** Answer the resolve URL with this status and no body. */
  readonly status?: number;
  /** Send the body at about this speed. */
  readonly bytesPerSecond?: number;
  /** Send this many bytes of the body, then nothing, keeping the connection open. */
  readonly hangAfterBytes?: number;
  /** Promise the whole length, send this many bytes, then close the connection. */
  readonly truncateAtBytes?: number;
  /** Advertise a digest that the bytes do not have. */
  readonly wrongChecksum?: boolean;
  /** Answer a Range request with the whole file and 200, as some servers do. */
  readonly ignoreRange?: boolean;
}

/** One request as the server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly range?: string;
  readonly authorization?: string;
}

export interface RangeHub {
  readonly url: string;
  readonly host: string;
  readonly requests: SeenRequest[];
  /** Sets (or with `{}` clears) how `file` misbehaves from the next request on. */
  behave(file: string, behaviour: FileBehaviour): void;
  close(): Promise<void>;
}

const RESOLVE = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/;
const CDN = /^\/cdn\/([0-9a-f]{64})$/;
const TICK_MS = 50;

/** Whether the Hub would keep `file` in LFS (the weights) rather than in git. */
export const isLfs = (file: string): boolean => file.endsWith('.onnx') || file.endsWith('.onnx_data');

/** The sha256 of bytes, as the Hub's `x-linked-etag` names an LFS file. */
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Git's blob id of bytes, as the Hub's `etag` names a plain file. */
export const gitSha1 = (bytes: Buffer): string => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** Starts the server for `model` at `revision` with `files` (path → bytes) on a free loopback port. */
export async function startRangeHub(model: string, revision: string, files: ReadonlyMap<string, Buffer>): Promise<RangeHub> {
  const requests: SeenRequest[] = [];
  const behaviours = new Map<string, FileBehaviour>();
  const timers = new Set<NodeJS.Timeout>();
  const bySha = new Map([...files].filter(([file]) => isLfs(file)).map(([file, bytes]) => [sha256(bytes), file]));

  const digestHeaders = (file: string, bytes: Buffer): http.OutgoingHttpHeaders => {
    const wrong = behaviours.get(file)?.wrongChecksum === true;
    if (isLfs(file)) return { 'x-linked-etag': `"${wrong ? sha256(Buffer.from('other')) : sha256(bytes)}"`, 'x-linked-size': bytes.length };
    return { etag: `"${wrong ? gitSha1(Buffer.from('other')) : gitSha1(bytes)}"` };
  };

  const sendBody = (req: http.IncomingMessage, res: http.ServerResponse, file: string, bytes: Buffer, extra: http.OutgoingHttpHeaders): void => {
    const behaviour = behaviours.get(file) ?? {};
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range && !behaviour.ignoreRange ? Number(range[1]) : 0;
    if (start > bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    const headers = { ...extra, 'content-length': body.length, 'accept-ranges': 'bytes' };
    if (range && !behaviour.ignoreRange) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const limit = Math.min(body.length, behaviour.hangAfterBytes ?? behaviour.truncateAtBytes ?? body.length);
    const perTick = behaviour.bytesPerSecond ? Math.max(1, Math.round((behaviour.bytesPerSecond * TICK_MS) / 1000)) : limit;
    let sent = 0;
    const step = (): void => {
      const chunk = body.subarray(sent, Math.min(limit, sent + perTick));
      sent += chunk.length;
      const cut = sent >= limit && behaviour.truncateAtBytes !== undefined && limit < body.length;
      if (chunk.length > 0) res.write(chunk);
      // The cut comes a tick after the last bytes, so the client has read them (a fetch body stream
      // that errors drops the chunks still queued in it).
      if (cut) schedule(() => res.destroy());
      else if (sent < limit) schedule(step);
      else if (!cut && (behaviour.hangAfterBytes === undefined || limit === body.length)) res.end();
    };
    const schedule = (next: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) next();
      }, TICK_MS);
      timers.add(timer);
    };
    step();
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push({ method: req.method ?? '', url, range: req.headers.range, authorization: req.headers.authorization });
    const cdn = CDN.exec(url);
    const cdnFile = cdn ? bySha.get(cdn[1]) : undefined;
    if (cdnFile !== undefined) return sendBody(req, res, cdnFile, files.get(cdnFile) as Buffer, {});
    const match = RESOLVE.exec(url);
    const file = match && match[1] === model && decodeURIComponent(match[2]) === revision ? decodeURIComponent(match[3]) : undefined;
    const bytes = file === undefined ? undefined : files.get(file);
    if (file === undefined || bytes === undefined) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const status = behaviours.get(file)?.status;
    if (status !== undefined) {
      res.writeHead(status).end();
      return;
    }
    if (isLfs(file)) {
      res.writeHead(302, { ...digestHeaders(file, bytes), location: `/cdn/${sha256(bytes)}` }).end();
      return;
    }
    sendBody(req, res, file, bytes, digestHeaders(file, bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    behave: (file, behaviour) => void behaviours.set(file, behaviour),
    close: async () => {
      timers.forEach((timer) => clearTimeout(timer));
      server.closeAllConnections(); // a hanging body would keep close() waiting
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
