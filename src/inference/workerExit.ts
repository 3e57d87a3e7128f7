/** Ending a worker thread without bringing the extension host down with it (see ExitRequest). */

import type { Worker } from 'worker_threads';
import type { WorkerRequest } from '../common/protocol';

/** How long a worker gets to exit by itself before it is terminated. */
export const EXIT_GRACE_MS = 3000;

/** Asks the worker to exit itself, terminates it only if it has not within EXIT_GRACE_MS; resolves once it is gone. */
export function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    // terminate() while onnxruntime-node runs aborts the process, so it is only the fallback for a
    // worker whose thread never takes the exit message (a WASM pass that does not yield).
    const timer = setTimeout(() => void worker.terminate().then(() => resolve(), () => resolve()), EXIT_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'exit', id: 0, code: 0 } satisfies WorkerRequest);
  });
}
