/**
 * Runs one request at a time. Loads go first, then completions, then commands, in
 * order. A newer job with a `supersedeKey` drops the queued older ones with the same key, whose
 * results nobody wants any more: completions (the cursor moved on) and loads (the settings changed
 * again, e.g. a model id typed in the Settings UI pausing between words). A running job is never
 * dropped; one that cannot stop (a load, an attention pass) is the host's to end past its timeout.
 */

export type JobClass = 'control' | 'completion' | 'command';

export interface Job {
  readonly id: number;
  readonly jobClass: JobClass;
  /** Jobs with the same key replace each other while queued (see the module comment). */
  readonly supersedeKey?: 'completion' | 'load';
  /** Runs the request; settles when it has finished, failed or stopped. */
  run(): Promise<void>;
  /** Asks a running job to stop at its next safe point. */
  stop(): void;
  /** Called instead of `run` when the job leaves the queue without running. */
  drop(reason: 'cancelled' | 'superseded'): void;
}

const ORDER: readonly JobClass[] = ['control', 'completion', 'command'];

/** A single-lane queue with priorities; see the module comment for the rules. */
export class RequestScheduler {
  private readonly queue: Job[] = [];
  private running: Job | undefined;

  /** The id of the job that runs now, if any. */
  get runningId(): number | undefined {
    return this.running?.id;
  }

  /** Number of jobs waiting. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /** Queues a job and starts it when the lane is free. */
  enqueue(job: Job): void {
    if (job.supersedeKey) {
      const older = this.queue.filter((queued) => queued.supersedeKey === job.supersedeKey);
      this.queue.splice(0, this.queue.length, ...this.queue.filter((queued) => queued.supersedeKey !== job.supersedeKey));
      for (const dropped of older) dropped.drop('superseded');
    }
    this.queue.push(job);
    this.pump();
  }

  /** Stops the job with this id: dropped if queued, asked to stop if running. Returns where it was. */
  cancel(id: number): 'queued' | 'running' | 'unknown' {
    if (this.running?.id === id) {
      this.running.stop();
      return 'running';
    }
    const index = this.queue.findIndex((job) => job.id === id);
    if (index < 0) return 'unknown';
    const [job] = this.queue.splice(index, 1);
    job.drop('cancelled');
    return 'queued';
  }

  private next(): Job | undefined {
    for (const jobClass of ORDER) {
      const index = this.queue.findIndex((job) => job.jobClass === jobClass);
      if (index >= 0) return this.queue.splice(index, 1)[0];
    }
    return undefined;
  }

  private pump(): void {
    if (this.running) return;
    const job = this.next();
    if (!job) return;
    this.running = job;
    void job
      .run()
      .catch(() => undefined) // a job reports its own failure; the lane must go on
      .finally(() => {
        this.running = undefined;
        this.pump();
      });
  }
}
