/** The worker's own figures for a `stats` request: queue, heap, memory and the thread's CPU time. */

import * as fs from 'fs';
import * as v8 from 'v8';
import * as vm from 'vm';
import type { WorkerStats } from '../common/protocol';

/** Linux reports CPU time in clock ticks; USER_HZ is 100 on every architecture Node runs on there. */
const TICKS_PER_SECOND = 100;

let collector: (() => void) | undefined;

/** A full garbage collection in the calling thread, without needing `--expose-gc` on the command line. */
export function collectGarbage(): void {
  if (!collector) {
    // Exposing gc is allowed at run time; a fresh context then carries the `gc` global.
    v8.setFlagsFromString('--expose-gc');
    collector = vm.runInNewContext('gc') as () => void;
  }
  collector();
}

/** CPU time (user + system) of the calling thread, from /proc/thread-self/stat; undefined off Linux. */
export function threadCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // The thread name (field 2) sits in parentheses and may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]); // field 14 of stat(5)
  const stime = Number(fields[12]); // field 15
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Measures the worker now; `queued` and `running` come from its scheduler. */
export function measureWorker(queued: number, running: boolean, gcFirst: boolean): WorkerStats {
  if (gcFirst) collectGarbage();
  const memory = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  return {
    queued,
    running,
    heapUsedBytes: heap.used_heap_size,
    heapCommittedBytes: heap.total_physical_size,
    rssBytes: memory.rss,
    externalBytes: memory.external,
    threadCpuMs: threadCpuMs(),
  };
}
