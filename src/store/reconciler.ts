// The periodic repair: a scan whose job is gone (it gave up while the database was down, or the
// process that ran it died) is marked failed as soon as the database answers again, so the
// one-active-scan rule never outlives a dead job and every live stream ends. It also deletes
// consents that expired unused and rate-limit windows that ended.
import { RATE_WINDOW_MS, type Store } from './store.js';

/** How often it runs. A dead scan is failed within this (plus the grace) after recovery. */
export const RECONCILE_INTERVAL_MS = 10_000;
/** A scan younger than this may be between its insert and its enqueue: leave it alone. */
export const RECONCILE_GRACE_MS = 15_000;
/** Unused consents are kept this long after they expire (the "expired" answer needs the row). */
export const CONSENT_KEEP_AFTER_EXPIRY_MS = 5 * 60_000;

export const ABANDONED_ERROR = {
  code: 'interrupted',
  message:
    'This diagnosis stopped before it finished (the service could not save its results). Please run it again.',
};

export interface ReconcilerDeps {
  store: Store;
  /** Scans this process is running or holding in its queue (scaled out: every scan with a job
   *  in Redis; a rejection skips the round, failing nothing). */
  liveScanIds: () => readonly string[] | Promise<readonly string[]>;
  onFailed: (scanId: string) => void;
  log: { warn(obj: object, msg: string): void };
  intervalMs?: number;
}

export function startReconciler(deps: ReconcilerDeps): { runOnce(): Promise<void>; stop(): void } {
  let running: Promise<void> | undefined;
  const runOnce = () => {
    running ??= (async () => {
      const now = Date.now();
      try {
        const live = await deps.liveScanIds();
        const failed = await deps.store.failAbandonedScans(
          live,
          now - RECONCILE_GRACE_MS,
          ABANDONED_ERROR,
          now,
        );
        for (const id of failed) deps.onFailed(id);
        if (failed.length > 0)
          deps.log.warn(
            { failed: failed.length },
            'scans whose job had stopped were marked failed',
          );
        await deps.store.deleteUnusedConsents(now - CONSENT_KEEP_AFTER_EXPIRY_MS);
        await deps.store.deleteExpiredRateLimits(RATE_WINDOW_MS, now);
      } catch (err) {
        // The database is still down: the next round tries again.
        deps.log.warn({ err }, 'reconciler: database not reachable');
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(runOnce, deps.intervalMs ?? RECONCILE_INTERVAL_MS);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
