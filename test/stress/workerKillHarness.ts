/**
 * Real worker threads that a stress test can kill the three ways a worker dies: ended from
 * outside (`Worker.terminate()`), exiting from inside (the protocol's own exit request, as
 * `killWorkerForTest` sends it), and an uncaught exception thrown on the worker's own thread (a
 * bug in the worker). The worker runs its real main module; the only addition is a private port
 * that throws when told to, so no test-only message enters the product protocol.
 */

import { MessageChannel, Worker, type MessagePort } from 'worker_threads';
import type { WorkerStartData } from '../../src/common/protocol';
import type { InferenceClient } from '../../src/inference/inferenceClient';

/** How a worker is killed. */
export type KillHow = 'terminate' | 'exit' | 'throw';

/** Ran as the worker's entry: arms the crash port (unref'd: it must not keep the thread alive), then runs the real worker. */
const ENTRY = `
const { workerData } = require('worker_threads');
workerData.crashPort.on('message', () => { throw new Error('injected crash: an uncaught exception on the worker thread'); });
workerData.crashPort.unref();
require(workerData.mainPath);
`;

/** Spawns the client's workers, counts them, and kills the live one on demand. */
export class KillableWorkers {
  spawned = 0;
  exited = 0;
  /** Uncaught errors the workers reported (the `throw` kills). */
  errors = 0;
  private live: { readonly worker: Worker; readonly crashPort: MessagePort } | undefined;

  /** Pass as ClientOptions.spawn. */
  readonly spawn = (mainPath: string, data: WorkerStartData): Worker => {
    const channel = new MessageChannel();
    const worker = new Worker(ENTRY, {
      eval: true,
      workerData: { ...data, crashPort: channel.port2, mainPath },
      transferList: [channel.port2],
    });
    this.spawned++;
    worker.on('exit', () => {
      this.exited++;
      channel.port1.close();
    });
    worker.on('error', () => this.errors++);
    this.live = { worker, crashPort: channel.port1 };
    return worker;
  };

  /** Worker threads started and not yet exited. */
  get running(): number {
    return this.spawned - this.exited;
  }

  /** Kills the newest worker `how`; `client` sends the exit request for `exit`. */
  kill(how: KillHow, client: InferenceClient): void {
    const live = this.live;
    if (!live) throw new Error('no worker to kill');
    switch (how) {
      case 'terminate':
        void live.worker.terminate();
        return;
      case 'exit':
        client.killWorkerForTest();
        return;
      case 'throw':
        live.crashPort.postMessage('crash');
        return;
      default: {
        const unreachable: never = how;
        throw new Error(`Unknown kill ${String(unreachable)}`);
      }
    }
  }
}
