// Wiring, by plain function arguments: config → database → store → queue → app. Used by
// bin/server.ts and by tests that start the real service in-process.
import type { FastifyInstance } from 'fastify';
import type { Config, ScaleOutConfig } from '../config.js';
import { buildApp } from '../http/build-app.js';
import { runScan } from '../jobs/run-scan.js';
import { BullmqQueue } from '../queue/bullmq-queue.js';
import { InlineQueue } from '../queue/inline-queue.js';
import { jobKeyOf } from '../queue/job-crypto.js';
import { assertNoEviction, connected, fastFailRedis } from '../queue/redis.js';
import { RedisScanEvents } from '../queue/redis-scan-events.js';
import { InProcessScanEvents, type ScanEvents } from '../queue/scan-events.js';
import type { ScanQueue } from '../queue/scan-queue.js';
import { VantageMonitor } from '../queue/vantage-registry.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { startReconciler } from '../store/reconciler.js';
import { startScanner } from './scanner.js';

export interface Service {
  app: FastifyInstance;
  store: KyselyStore;
  queue: ScanQueue;
  events: ScanEvents;
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
  if (config.scaleOut) return startWebNode(config, config.scaleOut, database, store, options);
  // Scans a crash left queued or running would otherwise stay "running" forever.
  const interrupted = await store.failUnfinishedScans(
    'interrupted',
    'The service restarted before this diagnosis finished. Please run it again.',
    Date.now(),
  );

  const events = new InProcessScanEvents();
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
            changed && events.publish(job.scanId, { type: 'end', status: 'failed', verdict: null }),
        )
        .catch(() => undefined);
    },
  });
  const scanner = await startScanner(config, store, (id, event) => events.publish(id, event));
  queue.setRunner((job, signal) => runScan(scanner.deps, job, signal));

  const app = await buildApp({
    config,
    store,
    queue,
    events,
    scannerHealth: () => scanner.canary.current(),
    egressStatus: () => scanner.egress.status(),
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
    onFailed: (id) => events.publish(id, { type: 'end', status: 'failed', verdict: null }),
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
      scanner.stop();
      await queue.close(config.shutdownTimeoutMs);
      await app.close();
      await store.close().catch(() => undefined);
      await database.close();
    })();
    return closing;
  };
  return { app, store, queue, events, close };
}

/** Scaled out (SELFSCAN_REDIS_URL): this process serves the web and the API and runs no scan;
 *  scans go to the workers of each vantage through BullMQ, their events come back by Redis. */
async function startWebNode(
  config: Config,
  scaleOut: ScaleOutConfig,
  database: Awaited<ReturnType<typeof openDatabase>>,
  store: KyselyStore,
  options: { logger?: boolean | object },
): Promise<Service> {
  const redis = fastFailRedis(scaleOut.redisUrl, { connectionName: 'selfscan-web' });
  const sub = fastFailRedis(scaleOut.redisUrl, { connectionName: 'selfscan-web-events' });
  redis.on('error', () => undefined); // reported by /readyz and the 503s
  sub.on('error', () => undefined);
  try {
    await Promise.all([connected(redis), connected(sub)]);
    await assertNoEviction(redis);
  } catch (err) {
    redis.disconnect();
    sub.disconnect();
    await store.close().catch(() => undefined);
    await database.close();
    throw err;
  }
  const vantages = [config.vantage];
  const events = new RedisScanEvents({ pub: redis, sub, prefix: scaleOut.prefix });
  const queue = new BullmqQueue({
    redis,
    prefix: scaleOut.prefix,
    key: jobKeyOf(scaleOut.jobKey),
    vantages,
  });
  const monitor = new VantageMonitor(redis, scaleOut.prefix, vantages);
  await monitor.start();

  const app = await buildApp({
    config,
    store,
    queue,
    events,
    scannerHealth: () => monitor.health(),
    vantageStatus: () => monitor.status(),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  for (const warning of config.warnings) app.log.warn(warning);

  // No "fail everything unfinished" at start: other nodes' workers are running those scans.
  // The reconciler fails the ones whose job is gone from Redis (a worker gave up, a job lost).
  const reconciler = startReconciler({
    store,
    liveScanIds: () => queue.liveScanIds(),
    onFailed: (id) => events.publish(id, { type: 'end', status: 'failed', verdict: null }),
    log: app.log,
  });
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
      monitor.stop();
      await queue.close();
      await app.close();
      redis.disconnect();
      sub.disconnect();
      await store.close().catch(() => undefined);
      await database.close();
    })();
    return closing;
  };
  return { app, store, queue, events, close };
}
