// A counting semaphore shared by every scan of the process: it keeps the number of sockets in
// flight under the file-descriptor budget (SELFSCAN_CONCURRENCY_MAX), whatever the number of scans.

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(public capacity: number) {}

  get inUse(): number {
    return this.active;
  }

  tryAcquire(): boolean {
    if (this.active >= this.capacity) return false;
    this.active++;
    return true;
  }

  /** Calls `wake` once, the next time a slot is released (the caller then tries again). */
  whenAvailable(wake: () => void): void {
    this.waiters.push(wake);
  }

  release(): void {
    this.active--;
    const wake = this.waiters.shift();
    if (wake) wake();
  }
}

let processLimiter: ConcurrencyLimiter | undefined;

/** The one process-wide limiter; its capacity follows the most recent configuration. */
export function processConcurrencyLimiter(capacity: number): ConcurrencyLimiter {
  if (!processLimiter) processLimiter = new ConcurrencyLimiter(capacity);
  processLimiter.capacity = capacity;
  return processLimiter;
}
