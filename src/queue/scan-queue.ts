// The queue between the web API and the scanners. Two implementations: in-process (one machine,
// the default) and BullMQ (Redis; scanner workers in several networks). Both run the same job,
// jobs/run-scan.ts; its live events go through ScanEvents (scan-events.ts).

import type { PlannedPort } from '../store/store.js';

/** What a scanner needs. The full target address exists only here, in memory, while it runs. */
export interface ScanJob {
  scanId: string;
  address: string;
  family: 4 | 6;
  /** The planned list, in order: (port, protocol), so tcp/53 and udp/53 are two entries. */
  ports: PlannedPort[];
  /** Identify the services on open TCP ports after the scan (consent scope `identify`). */
  identify?: boolean;
}

export interface ScanQueue {
  /** Accepts a job or throws QueueFullError / QueueClosedError. */
  enqueue(job: ScanJob): Promise<void>;
  /** Jobs waiting + running in this queue. */
  depth(): number;
  /** Throws when the queue cannot take work (readiness). */
  ping(): Promise<void>;
  /** Stops accepting, lets running scans finish until the deadline, then interrupts them
   *  (each ends `failed` / `interrupted`, never stays running). */
  close(deadlineMs: number): Promise<void>;
}

export class QueueClosedError extends Error {
  constructor() {
    super('the scan queue is shutting down');
    this.name = 'QueueClosedError';
  }
}
