// Wiring, by plain function arguments: config → database → store → queue → app. Used by
// bin/server.ts and by tests that start the real service in-process.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { CanaryMonitor } from '../core/canary.js';
import { CATALOG } from '../core/catalog.js';
import { ConcurrencyLimiter } from '../core/concurrency-limiter.js';
import { EgressCheck } from '../core/egress-check.js';
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
import { InlineQueue } from '../queue/inline-queue.js';
import type { InProcessScanEvents } from '../queue/scan-events.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { startReconciler } from '../store/reconciler.js';
import { loadAsnTable } from './asn-table-file.js';

export interface Service {
  app: FastifyInstance;
  store: KyselyStore;
  queue: InlineQueue;
  events: InProcessScanEvents;
  metrics: Metrics;
  /** The /metrics listener's address, when SELFSCAN_METRICS_PORT is set. */
  metricsAddress?: { host: string; port: number };
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

  // The egress self-test: the catalog's TCP ports and 1–1055 are kept fresh (checked at start and
  // every 50 s, so those diagnoses never wait); any other port is checked when a diagnosis needs
  // it and its last check is older than a minute.
  const egress = new EgressCheck(config.probe.egressReferences, {
    ...(config.probe.sourceAddress ? { sourceAddress: config.probe.sourceAddress } : {}),
  });
  const keptFresh = [
    ...new Set([
      ...Array.from({ length: 1055 }, (_, i) => i + 1),
      ...CATALOG.filter((e) => e.protocol === 'tcp').map((e) => e.port),
    ]),
  ].sort((a, b) => a - b);
  const refreshEgress = () =>
    Promise.all(
      config.probe.egressReferences.map((r) =>
        egress.check(r.family, keptFresh).catch(() => undefined),
      ),
    );
  await refreshEgress();
  const egressTimer = setInterval(() => void refreshEgress(), 50_000);
  egressTimer.unref();

  // Organisations (issue 11): mail, and the alert outbox's dispatcher. A finished diagnosis of an
  // organisation enqueues its alerts; the dispatcher delivers them with retries and backoff.
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
      log: { warn: (obj, msg) => app.log.warn(obj, msg) },
    },
    Math.min(1000, config.orgs.alertRetryBaseMs),
  );
  const onScanEnd = async (scanId: string) => {
    const scan = await store.getScan(scanId);
    if (scan && (await enqueueAlerts(store.orgs, scan, config.publicOrigins[0])) > 0)
      await alerts.kick();
  };
  // Counted as they pass (results by state, finished diagnoses, duration from the stored times).
  const metrics = createMetrics({ queueDepth: () => queue.depth() });
  const events: InProcessScanEvents = new MeteredScanEvents(metrics, async (id) => {
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
  const { probe } = config;
  // One socket budget for every diagnosis this process runs (file descriptors are per process).
  const socketBudget = new ConcurrencyLimiter(probe.concurrencyMax);
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
          limiter: socketBudget,
          ...(probe.sourceAddress ? { sourceAddress: probe.sourceAddress } : {}),
        },
        publish: (id, event) => {
          events.publish(id, event);
          if (event.type === 'end' && event.status === 'done')
            void onScanEnd(id).catch((err) => app.log.error({ err }, 'alerts not enqueued'));
        },
        scannerHealthy: () => canary.current().healthy,
        egressBlocked: (family, ports) => egress.blockedPorts(family, ports),
      },
      job,
      signal,
    ),
  );

  const app = await buildApp({
    config,
    store,
    queue,
    events,
    scannerHealth: () => canary.current(),
    egressStatus: () => egress.status(),
    mailer,
    ticketKey: resolveTicketKey(config),
    asnTable: loadAsnTable(config),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  instrumentApp(app, metrics);
  const metricsServer = config.metrics
    ? await startMetricsServer(metrics, config.metrics.host, config.metrics.port)
    : undefined;
  const metricsAddress = metricsServer
    ? {
        host: config.metrics!.host,
        port: (metricsServer.server.address() as { port: number }).port,
      }
    : undefined;
  if (metricsAddress)
    app.log.info(
      `metrics on http://${metricsAddress.host.includes(':') ? `[${metricsAddress.host}]` : metricsAddress.host}:${metricsAddress.port}/metrics`,
    );
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
    Promise.all([
      store.deleteScansBefore(Date.now() - config.retentionDays * 86_400_000),
      store.orgs.purgeOrgDiagnoses(Date.now()),
      store.orgs.deleteSessionsBefore(Date.now()),
    ]).catch((err) => app.log.error({ err }, 'retention purge failed'));
  await purge();
  const retention = setInterval(purge, 3_600_000);
  retention.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(retention);
      alerts.stop();
      reconciler.stop();
      canary.stop();
      clearInterval(egressTimer);
      await queue.close(config.shutdownTimeoutMs);
      await app.close();
      await metricsServer?.close();
      await store.close().catch(() => undefined);
      await database.close();
      mailer?.close();
      await webhookAgent.close().catch(() => undefined);
    })();
    return closing;
  };
  return { app, store, queue, events, metrics, ...(metricsAddress && { metricsAddress }), close };
}
