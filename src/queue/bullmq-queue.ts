// The scaled-out queue (SELFSCAN_REDIS_URL set): BullMQ on Redis, one queue per vantage point.
// Web nodes hold a BullmqQueue (producer); scanner nodes (`selfscan worker`) a BullmqScanWorker
// that runs jobs/run-scan.ts. Delivery is at least once: a job whose worker died is recovered by
// BullMQ's stalled check and run again, and run-scan skips what is already stored, so a result is
// never written twice. The job id is a hash of the scan id, so a double submit adds nothing.
// The address travels sealed (job-crypto.ts) and the job is removed when it ends.
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PlannedPort } from '../store/store.js';
import { type JobKey, openAddress, sealAddress } from './job-crypto.js';
import { queueNameOf, scanRef } from './redis.js';
import { QueueClosedError, type ScanJob, type ScanQueue } from './scan-queue.js';

/** What sits in Redis: no clear address, the planned list as runs. Versioned for rolling updates. */
export interface JobPayload {
  v: 1;
  scanId: string;
  sealed: string;
  family: 4 | 6;
  /** Runs of consecutive ports in planned order: [protocol, first, last]. */
  runs: [PlannedPort['protocol'], number, number][];
}

/** Tries per job: the first run plus retries after a worker died or was stopped mid-scan. */
export const JOB_ATTEMPTS = 3;
/** How long a worker holds a job without renewing its lock before BullMQ calls it stalled. */
export const LOCK_DURATION_MS = 30_000;

export function encodeJob(key: JobKey, job: ScanJob): JobPayload {
  const runs: JobPayload['runs'] = [];
  for (const p of job.ports) {
    const last = runs.at(-1);
    if (last && last[0] === p.protocol && last[2] + 1 === p.port) last[2] = p.port;
    else runs.push([p.protocol, p.port, p.port]);
  }
  return {
    v: 1,
    scanId: job.scanId,
    sealed: sealAddress(key, job.scanId, job.address),
    family: job.family,
    runs,
  };
}

export function decodeJob(key: JobKey, payload: JobPayload): ScanJob {
  const ports: PlannedPort[] = [];
  for (const [protocol, first, last] of payload.runs)
    for (let port = first; port <= last; port++) ports.push({ port, protocol });
  return {
    scanId: payload.scanId,
    address: openAddress(key, payload.scanId, payload.sealed),
    family: payload.family,
    ports,
  };
}

export interface BullmqQueueOptions {
  /** A fast-failing connection (redis.ts fastFailRedis); owned by the caller. */
  redis: Redis;
  prefix: string;
  key: JobKey;
  vantages: readonly string[];
}

/** The producer side, on web nodes: enqueue on every vantage's queue; never runs a scan. */
export class BullmqQueue implements ScanQueue {
  readonly #queues: Map<string, Queue>;
  readonly #key: JobKey;
  #closed = false;
  #depth = 0;

  constructor(private readonly options: BullmqQueueOptions) {
    this.#key = options.key;
    this.#queues = new Map(
      options.vantages.map((v) => [
        v,
        new Queue(queueNameOf(v), {
          connection: options.redis,
          prefix: options.prefix,
          skipWaitingForReady: true,
          defaultJobOptions: {
            attempts: JOB_ATTEMPTS,
            backoff: { type: 'fixed', delay: 1000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        }),
      ]),
    );
    for (const q of this.#queues.values()) q.on('error', () => undefined); // ping() reports it
  }

  async enqueue(job: ScanJob): Promise<void> {
    if (this.#closed) throw new QueueClosedError();
    const data = encodeJob(this.#key, job);
    await Promise.all(
      [...this.#queues.values()].map((q) => q.add('scan', data, { jobId: scanRef(job.scanId) })),
    );
  }

  /** Last known waiting + active jobs over all vantages (refreshed by ping()). */
  depth(): number {
    return this.#depth;
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new QueueClosedError();
    await this.options.redis.ping();
    let depth = 0;
    for (const q of this.#queues.values()) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      depth += Object.values(c).reduce((a, b) => a + b, 0);
    }
    this.#depth = depth;
  }

  /** Scan ids that still have a job in Redis (waiting, delayed or held by a worker): the
   *  reconciler leaves these alone. Throws while Redis is away (then it fails nothing). */
  async liveScanIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const q of this.#queues.values()) {
      const jobs = await q.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
      for (const j of jobs) if (j?.data?.scanId) ids.add((j.data as JobPayload).scanId);
    }
    return [...ids];
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => undefined)));
  }
}

export type WorkerRunner = (job: ScanJob, signal: AbortSignal) => Promise<void>;

export interface BullmqScanWorkerOptions {
  /** A connection for blocking commands (redis.ts workerRedis); owned by the caller. */
  redis: Redis;
  prefix: string;
  key: JobKey;
  vantage: string;
  concurrency: number;
  runner: WorkerRunner;
  /** After the last attempt failed (or the job could not be read): must not throw. */
  onFinalFailure: (scanId: string, err: Error) => void | Promise<void>;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Tests: a shorter lock / stalled check than LOCK_DURATION_MS. */
  lockDurationMs?: number;
}

/** The consumer side, on scanner nodes. close(deadline): takes no new job, lets running scans
 *  finish; at the deadline it stops them with their results stored and hands their jobs back,
 *  so another worker finishes them (no diagnosis fails because a worker was stopped). */
export class BullmqScanWorker {
  readonly worker: Worker<JobPayload>;
  #closing: Promise<void> | undefined;

  constructor(options: BullmqScanWorkerOptions) {
    const lockDuration = options.lockDurationMs ?? LOCK_DURATION_MS;
    this.worker = new Worker<JobPayload>(
      queueNameOf(options.vantage),
      async (job: Job<JobPayload>, _token?: string, signal?: AbortSignal) => {
        let scan: ScanJob;
        try {
          scan = decodeJob(options.key, job.data);
        } catch (err) {
          // Another SELFSCAN_JOB_KEY, or a changed payload: retrying cannot help.
          throw new UnrecoverableError(`job payload unreadable: ${(err as Error).message}`);
        }
        await options.runner(scan, signal ?? new AbortController().signal);
      },
      {
        connection: options.redis,
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration,
        stalledInterval: lockDuration,
        maxStalledCount: JOB_ATTEMPTS - 1,
        autorun: true,
      },
    );
    this.worker.on('error', (err) => options.log?.warn({ err }, 'worker: Redis error'));
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final =
        job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
      options.log?.warn(
        { err, attempt: job.attemptsMade, final },
        final ? 'scan job failed for the last time' : 'scan job failed; it will be retried',
      );
      if (final && job.data?.scanId) void options.onFinalFailure(job.data.scanId, err);
    });
  }

  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  close(deadlineMs: number): Promise<void> {
    this.#closing ??= (async () => {
      const closed = this.worker.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      if ((await Promise.race([closed, deadline])) === 'deadline') {
        this.worker.cancelAllJobs('worker stopping');
        await closed;
      }
      clearTimeout(timer);
    })();
    return this.#closing;
  }
}
