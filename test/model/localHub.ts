/**
 * A real HTTP server in the Hugging Face Hub layout (`/<owner>/<name>/resolve/<revision>/<file>`),
 * on loopback only, that logs every request: the tests' stand-in for huggingface.co or a mirror.
 */

import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

/** What the hub serves: a file's bytes, undefined for 404, or 'stall' to accept the request and never answer. */
export type HubAnswer = Buffer | undefined | 'stall';

/** Answers one file request (`model` is `owner/name`, the revision and file decoded). */
export type HubFiles = (model: string, revision: string, file: string) => HubAnswer;

export interface LocalHub {
  /** Base URL, as `attentionLens.hubUrl` takes it. */
  readonly url: string;
  /** `host:port`, as messages name it. */
  readonly host: string;
  /** Every request's URL path, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const RESOLVE = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/;

/** Starts the server on a free loopback port. */
export async function startLocalHub(files: HubFiles): Promise<LocalHub> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    const match = RESOLVE.exec(url);
    const answer = match ? files(match[1], decodeURIComponent(match[2]), decodeURIComponent(match[3])) : undefined;
    if (answer === 'stall') return;
    if (!answer) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': answer.length }).end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    close: async () => {
      server.closeAllConnections(); // a stalled request would keep close() waiting
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Serves the files of a local model folder as `model` at revision `main`. */
export function folderAsHubModel(model: string, folder: string): HubFiles {
  return (name, revision, file) => {
    if (name !== model || revision !== 'main') return undefined;
    const full = path.join(folder, file);
    return full.startsWith(folder + path.sep) && fs.existsSync(full) && fs.statSync(full).isFile() ? fs.readFileSync(full) : undefined;
  };
}
