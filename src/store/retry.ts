// Retrying a database call that failed because the database was out of reach (a restart, a full
// disk being cleared): with backoff, for a bounded time. Any other error is not retried.
import { isStorageUnavailable } from './store.js';

export interface RetryOptions {
  /** Give up (rethrow the last error) once this much time has passed. */
  budgetMs: number;
  /** First wait; each next one doubles, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Stops waiting (rethrows) when aborted, e.g. at shutdown. */
  signal?: AbortSignal;
  /** Called before each wait (for a log line). */
  onRetry?: (err: unknown, attempt: number) => void;
}

export async function retryStorage<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  let delay = options.initialDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isStorageUnavailable(err) || options.signal?.aborted || Date.now() + delay > deadline)
        throw err;
      options.onRetry?.(err, attempt);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
