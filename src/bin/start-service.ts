// Wiring, by plain function arguments: config → database → store → queue → app. Used by
// bin/server.ts and by tests that start the real service in-process.
import type { FastifyInstance } from 'fastify';
import type { Config, ScaleOutConfig } from '../config.js';
import { buildApp } from '../http/build-app.js';
import {
  createMetrics,
  instrumentApp,
  MeteredScanEvents,
  type Metrics,
  startMetricsServer,
} from '../http/metrics.js';
import { resolveTicketKey } from '../http/tickets.js';
import { createMailer } from '../jobs/mailer.js';
import { enqueueAlerts, startAlertDispatcher } from '../jobs/notify-org.js';
import { runScan } from '../jobs/run-scan.js';
import { createWebhookAgent } from '../jobs/webhook-client.js';
import { BullmqQueue } from '../queue/bullmq-queue.js';
import { InlineQueue } from '../queue/inline-queue.js';
import { jobKeyOf } from '../queue/job-crypto.js';
import { assertNoEviction, connected, fastFailRedis } from '../queue/redis.js';
import { RedisScanEvents } from '../queue/redis-scan-events.js';
import type { ScanEvent, ScanEvents } from '../queue/scan-events.js';
import type { ScanQueue } from '../queue/scan-queue.js';
import { VantageMonitor } from '../queue/vantage-registry.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { startReconciler } from '../store/reconciler.js';
import { loadAsnTable } from './asn-table-file.js';
import { startScanner } from './scanner.js';

export interface Service {
  app: FastifyInstance;
  store: KyselyStore;
  queue: ScanQueue;
  events: ScanEvents;
  metrics: Metrics;
  /** The /metrics listener's address, when SELFSCAN_METRICS_PORT is set. */
  metricsAddress?: { host: string; port: number };
  /** Stops accepting, drains scans until the shutdown deadline, closes the database. */
  close(): Promise<void>;
}

type Database = Awaited<ReturnType<typeof openDatabase>>;

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

  const orgs = startOrgAlerts(config, store, (obj, msg) => app.log.warn(obj, msg));
  // Counted as they pass (results by state, finished diagnoses, duration from the stored times).
  const metrics = createMetrics({ queueDepth: () => queue.depth() });
  const events = new MeteredScanEvents(metrics, async (id) => {
    const h = await store.getScanHeader(id);
    return h?.startedAt != null && h.finishedAt != null
      ? (h.finishedAt - h.startedAt) / 1000
      : undefined;
  });
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
  const scanner = await startScanner(config, store, (id, event) => {
    events.publish(id, event);
    orgs.onEvent(id, event);
  });
  queue.setRunner((job, signal) => runScan(scanner.deps, job, signal));

  const app = await buildApp({
    config,
    store,
    queue,
    events,
    scannerHealth: () => scanner.canary.current(),
    egressStatus: () => scanner.egress.status(),
    mailer: orgs.mailer,
    ticketKey: resolveTicketKey(config),
    asnTable: loadAsnTable(config),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  const metricsListener = await startMetricsListener(config, app, metrics);
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
  const retention = await startRetention(config, store, app);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(retention);
      orgs.stop();
      reconciler.stop();
      scanner.stop();
      await queue.close(config.shutdownTimeoutMs);
      await app.close();
      await metricsListener.close();
      await store.close().catch(() => undefined);
      await database.close();
      await orgs.close();
    })();
    return closing;
  };
  return {
    app,
    store,
    queue,
    events,
    metrics,
    ...(metricsListener.address && { metricsAddress: metricsListener.address }),
    close,
  };
}

/** Scaled out (SELFSCAN_REDIS_URL): this process serves the web and the API and runs no scan;
 *  scans go to the workers of each vantage through BullMQ, their events come back by Redis. */
async function startWebNode(
  config: Config,
  scaleOut: ScaleOutConfig,
  database: Database,
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
  // The workers enqueue an organisation's alerts when its diagnosis ends; web nodes deliver them.
  const orgs = startOrgAlerts(config, store, (obj, msg) => app.log.warn(obj, msg));
  const metrics = createMetrics({ queueDepth: () => queue.depth() });

  const app = await buildApp({
    config,
    store,
    queue,
    events,
    scannerHealth: () => monitor.health(),
    vantageStatus: () => monitor.status(),
    mailer: orgs.mailer,
    ticketKey: resolveTicketKey(config),
    asnTable: loadAsnTable(config),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  const metricsListener = await startMetricsListener(config, app, metrics);
  for (const warning of config.warnings) app.log.warn(warning);

  // No "fail everything unfinished" at start: other nodes' workers are running those scans.
  // The reconciler fails the ones whose job is gone from Redis (a worker gave up, a job lost).
  const reconciler = startReconciler({
    store,
    liveScanIds: () => queue.liveScanIds(),
    onFailed: (id) => events.publish(id, { type: 'end', status: 'failed', verdict: null }),
    log: app.log,
  });
  const retention = await startRetention(config, store, app);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(retention);
      orgs.stop();
      reconciler.stop();
      monitor.stop();
      await queue.close();
      await app.close();
      await metricsListener.close();
      redis.disconnect();
      sub.disconnect();
      await store.close().catch(() => undefined);
      await database.close();
      await orgs.close();
    })();
    return closing;
  };
  return {
    app,
    store,
    queue,
    events,
    metrics,
    ...(metricsListener.address && { metricsAddress: metricsListener.address }),
    close,
  };
}

/** Organisations (issue 11): mail, and the alert outbox's dispatcher. A finished diagnosis of an
 *  organisation enqueues its alerts (onEvent, where the scan runs); the dispatcher delivers them
 *  with retries and backoff. */
export function startOrgAlerts(
  config: Config,
  store: KyselyStore,
  warn: (obj: object, msg: string) => void,
) {
  const mailer = config.orgs.smtpUrl
    ? createMailer(config.orgs.smtpUrl, config.orgs.mailFrom)
    : undefined;
  const webhookAgent = createWebhookAgent(config.orgs.webhookAllowRanges);
  const alerts = startAlertDispatcher(
    {
      orgs: store.orgs,
      agent: webhookAgent,
      mailer,
      retryBaseMs: config.orgs.alertRetryBaseMs,
      maxAttempts: config.orgs.alertMaxAttempts,
      log: { warn },
    },
    Math.min(1000, config.orgs.alertRetryBaseMs),
  );
  const onScanEnd = async (scanId: string) => {
    const scan = await store.getScan(scanId);
    if (scan && (await enqueueAlerts(store.orgs, scan, config.publicOrigins[0])) > 0)
      await alerts.kick();
  };
  return {
    mailer,
    onEvent(scanId: string, event: ScanEvent) {
      if (event.type === 'end' && event.status === 'done')
        void onScanEnd(scanId).catch((err) => warn({ err }, 'alerts not enqueued'));
    },
    stop: () => alerts.stop(),
    async close() {
      mailer?.close();
      await webhookAgent.close().catch(() => undefined);
    },
  };
}

async function startMetricsListener(config: Config, app: FastifyInstance, metrics: Metrics) {
  instrumentApp(app, metrics);
  const server = config.metrics
    ? await startMetricsServer(metrics, config.metrics.host, config.metrics.port)
    : undefined;
  const address = server
    ? { host: config.metrics!.host, port: (server.server.address() as { port: number }).port }
    : undefined;
  if (address)
    app.log.info(
      `metrics on http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/metrics`,
    );
  return { address, close: async () => void (await server?.close()) };
}

/** Retention: results older than SELFSCAN_RETENTION_DAYS are deleted, hourly (an organisation's
 *  own retention and ended dashboard sessions too). */
async function startRetention(config: Config, store: KyselyStore, app: FastifyInstance) {
  const purge = () =>
    Promise.all([
      store.deleteScansBefore(Date.now() - config.retentionDays * 86_400_000),
      store.orgs.purgeOrgDiagnoses(Date.now()),
      store.orgs.deleteSessionsBefore(Date.now()),
    ]).catch((err) => app.log.error({ err }, 'retention purge failed'));
  await purge();
  const timer = setInterval(purge, 3_600_000);
  timer.unref();
  return timer;
}
