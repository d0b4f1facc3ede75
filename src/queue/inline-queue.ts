// The in-process queue (one machine, no Redis): a bounded FIFO and a fixed number of scans at
// once (live events go through ScanEvents, not the queue).
import { QueueClosedError, type ScanJob, type ScanQueue } from './scan-queue.js';

export type JobRunner = (job: ScanJob, signal: AbortSignal) => Promise<void>;

export interface InlineQueueOptions {
  /** Scans run at once. */
  concurrency: number;
  /** Called when a job throws (after the runner's own handling); must not throw. */
  onJobError?: (job: ScanJob, err: unknown) => void | Promise<void>;
}

export class InlineQueue implements ScanQueue {
  private readonly waiting: ScanJob[] = [];
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  private closed = false;
  private runner: JobRunner | undefined;

  constructor(private readonly options: InlineQueueOptions) {}

  /** The job function (jobs/run-scan.ts bound to its dependencies). Set once at wiring time. */
  setRunner(runner: JobRunner): void {
    this.runner = runner;
  }

  async enqueue(job: ScanJob): Promise<void> {
    if (this.closed) throw new QueueClosedError();
    // A double submit of the same scan adds nothing (as a BullMQ job id does).
    if (this.running.has(job.scanId) || this.waiting.some((w) => w.scanId === job.scanId)) return;
    this.waiting.push(job);
    this.pump();
  }

  /** Scans this process holds (waiting or running): the reconciler leaves these alone. */
  liveScanIds(): string[] {
    return [...this.waiting.map((job) => job.scanId), ...this.running.keys()];
  }

  depth(): number {
    return this.waiting.length + this.running.size;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new QueueClosedError();
  }

  async close(deadlineMs: number): Promise<void> {
    this.closed = true;
    // Waiting jobs never start: each runs with an aborted signal, so it ends failed/interrupted.
    const stopped = new AbortController();
    stopped.abort();
    const waiting = this.waiting.splice(0);
    await Promise.all(waiting.map((job) => this.execute(job, stopped)));
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    if ((await Promise.race([all(), deadline])) === 'deadline') {
      for (const r of this.running.values()) r.controller.abort();
      await all();
    }
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const controller = new AbortController();
      const done = this.execute(job, controller).finally(() => {
        this.running.delete(job.scanId);
        this.pump();
      });
      this.running.set(job.scanId, { controller, done });
    }
  }

  private async execute(job: ScanJob, controller: AbortController): Promise<void> {
    if (!this.runner) throw new Error('InlineQueue: no runner set');
    try {
      await this.runner(job, controller.signal);
    } catch (err) {
      await this.options.onJobError?.(job, err);
    }
  }
}
