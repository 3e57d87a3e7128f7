import * as assert from 'assert';
import { RequestScheduler, type Job, type JobClass } from '../../src/worker/requestScheduler';

interface Probe {
  readonly job: Job;
  readonly events: string[];
  finish(): void;
}

/** A job that runs until `finish()`; completions replace each other as the worker's do, `load` marks a load. */
function probe(id: number, jobClass: JobClass, log: string[], kind?: 'load'): Probe {
  let finish = (): void => undefined;
  const events: string[] = [];
  const job: Job = {
    id,
    jobClass,
    supersedeKey: kind ?? (jobClass === 'completion' ? 'completion' : undefined),
    run: () =>
      new Promise<void>((resolve) => {
        log.push(`run ${id}`);
        finish = resolve;
      }),
    stop: () => events.push('stop'),
    drop: (reason) => {
      events.push(reason);
      log.push(`drop ${id} ${reason}`);
    },
  };
  return { job, events, finish: () => finish() };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestScheduler', () => {
  it('runs one job at a time, in order within a class', async () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const a = probe(1, 'command', log);
    const b = probe(2, 'command', log);
    scheduler.enqueue(a.job);
    scheduler.enqueue(b.job);
    assert.deepStrictEqual(log, ['run 1']);
    assert.strictEqual(scheduler.runningId, 1);
    a.finish();
    await tick();
    assert.deepStrictEqual(log, ['run 1', 'run 2']);
    b.finish();
    await tick();
    assert.strictEqual(scheduler.runningId, undefined);
  });

  it('puts control before completions before commands', async () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const first = probe(1, 'command', log);
    scheduler.enqueue(first.job);
    const command = probe(2, 'command', log);
    const completion = probe(3, 'completion', log);
    const load = probe(4, 'control', log);
    scheduler.enqueue(command.job);
    scheduler.enqueue(completion.job);
    scheduler.enqueue(load.job);
    first.finish();
    await tick();
    load.finish();
    await tick();
    completion.finish();
    await tick();
    assert.deepStrictEqual(log, ['run 1', 'run 4', 'run 3', 'run 2']);
  });

  it('replaces a queued completion with a newer one', async () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const running = probe(1, 'command', log);
    scheduler.enqueue(running.job);
    const older = probe(2, 'completion', log);
    const newer = probe(3, 'completion', log);
    scheduler.enqueue(older.job);
    scheduler.enqueue(newer.job);
    assert.deepStrictEqual(older.events, ['superseded']);
    assert.strictEqual(scheduler.queuedCount, 1);
    running.finish();
    await tick();
    assert.deepStrictEqual(log, ['run 1', 'drop 2 superseded', 'run 3']);
  });

  it('does not replace a running completion', () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const running = probe(1, 'completion', log);
    scheduler.enqueue(running.job);
    scheduler.enqueue(probe(2, 'completion', log).job);
    assert.deepStrictEqual(running.events, []);
    assert.strictEqual(scheduler.runningId, 1);
  });

  it('cancels a queued job by dropping it and a running one by stopping it', () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const running = probe(1, 'command', log);
    const queued = probe(2, 'command', log);
    scheduler.enqueue(running.job);
    scheduler.enqueue(queued.job);
    assert.strictEqual(scheduler.cancel(2), 'queued');
    assert.deepStrictEqual(queued.events, ['cancelled']);
    assert.strictEqual(scheduler.cancel(1), 'running');
    assert.deepStrictEqual(running.events, ['stop']);
    assert.strictEqual(scheduler.cancel(99), 'unknown');
  });

  it('goes on after a job that rejects', async () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    scheduler.enqueue({ id: 1, jobClass: 'command', run: () => Promise.reject(new Error('x')), stop() {}, drop() {} });
    const next = probe(2, 'command', log);
    scheduler.enqueue(next.job);
    await tick();
    assert.deepStrictEqual(log, ['run 2']);
  });

  it('drops older queued loads when a newer load arrives, saying they were superseded', async () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    const running = probe(1, 'control', log, 'load');
    scheduler.enqueue(running.job);
    const queued = [2, 3, 4].map((id) => probe(id, 'control', log, 'load'));
    for (const load of queued) scheduler.enqueue(load.job);
    // The running load cannot be stopped (a download, a session build); only the queued ones go.
    assert.deepStrictEqual(running.events, []);
    assert.deepStrictEqual(queued.map((load) => load.events), [['superseded'], ['superseded'], []]);
    assert.strictEqual(scheduler.queuedCount, 1);
    running.finish();
    await tick();
    assert.deepStrictEqual(log, ['run 1', 'drop 2 superseded', 'drop 3 superseded', 'run 4']);
  });

  it('keeps queued non-load control jobs and other classes when a load supersedes', () => {
    const log: string[] = [];
    const scheduler = new RequestScheduler();
    scheduler.enqueue(probe(1, 'command', log).job);
    const dispose = probe(2, 'control', log);
    const command = probe(3, 'command', log);
    const completion = probe(4, 'completion', log);
    scheduler.enqueue(dispose.job);
    scheduler.enqueue(command.job);
    scheduler.enqueue(completion.job);
    scheduler.enqueue(probe(5, 'control', log, 'load').job);
    assert.deepStrictEqual([dispose.events, command.events, completion.events], [[], [], []]);
    assert.strictEqual(scheduler.queuedCount, 4);
  });
});
