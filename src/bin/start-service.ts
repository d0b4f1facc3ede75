// Wiring, by plain function arguments: config → database → store → queue → app. Used by
// bin/server.ts and by tests that start the real service in-process.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { CanaryMonitor } from '../core/canary.js';
import { buildApp } from '../http/build-app.js';
import { runScan } from '../jobs/run-scan.js';
import { InlineQueue } from '../queue/inline-queue.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { startReconciler } from '../store/reconciler.js';

export interface Service {
  app: FastifyInstance;
  store: KyselyStore;
  queue: InlineQueue;
  /** Stops accepting, drains scans until the shutdown deadline, closes the database. */
  close(): Promise<void>;
}

export async function startService(
  config: Config,
  options: { logger?: boolean | object } = {},
): Promise<Service> {
  const database = await openDatabase(config.database.url);
  await migrateToLatest(database.db);
  const store = new KyselyStore(database.db, { check: database.check });
  // Scans a crash left queued or running would otherwise stay "running" forever.
  const interrupted = await store.failUnfinishedScans(
    'interrupted',
    'The service restarted before this diagnosis finished. Please run it again.',
    Date.now(),
  );

  const canary = new CanaryMonitor(config.probe.canary, 60_000, config.probe.sourceAddress);
  await canary.start();

  const queue = new InlineQueue({
    concurrency: config.scanConcurrency,
    onJobError: async (job, err) => {
      app.log.error({ err, scan: job.scanId.slice(0, 4) }, 'scan job failed');
      await store
        .finishScan(job.scanId, {
          status: 'failed',
          verdict: null,
          error: {
            code: 'internal_error',
            message: 'The diagnosis failed on our side. Please run it again.',
          },
          finishedAt: Date.now(),
        })
        .then(
          (changed) =>
            changed && queue.publish(job.scanId, { type: 'end', status: 'failed', verdict: null }),
        )
        .catch(() => undefined);
    },
  });
  const { probe } = config;
  queue.setRunner((job, signal) =>
    runScan(
      {
        store,
        policy: config.policy,
        scanOptions: {
          timeoutMinMs: probe.timeoutMinMs,
          timeoutMaxMs: probe.timeoutMaxMs,
          retries: probe.retries,
          concurrencyPerTarget: probe.concurrencyPerTarget,
          concurrencyMax: probe.concurrencyMax,
          ...(probe.sourceAddress ? { sourceAddress: probe.sourceAddress } : {}),
        },
        publish: (id, event) => queue.publish(id, event),
        scannerHealthy: () => canary.current().healthy,
      },
      job,
      signal,
    ),
  );

  const app = await buildApp({
    config,
    store,
    queue,
    scannerHealth: () => canary.current(),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  if (interrupted > 0)
    app.log.warn(
      { interrupted },
      'scans left unfinished by the previous run were marked failed (interrupted)',
    );
  for (const warning of config.warnings) app.log.warn(warning);

  // Every accepted diagnosis reaches a terminal state, also when its job died on a database
  // failure; spent-nothing consents and ended rate-limit windows do not pile up.
  const reconciler = startReconciler({
    store,
    liveScanIds: () => queue.liveScanIds(),
    onFailed: (id) => queue.publish(id, { type: 'end', status: 'failed', verdict: null }),
    log: app.log,
  });

  // Retention: results older than SELFSCAN_RETENTION_DAYS are deleted, hourly.
  const purge = () =>
    store
      .deleteScansBefore(Date.now() - config.retentionDays * 86_400_000)
      .catch((err) => app.log.error({ err }, 'retention purge failed'));
  await purge();
  const retention = setInterval(purge, 3_600_000);
  retention.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(retention);
      reconciler.stop();
      canary.stop();
      await queue.close(config.shutdownTimeoutMs);
      await app.close();
      await store.close().catch(() => undefined);
      await database.close();
    })();
    return closing;
  };
  return { app, store, queue, close };
}
