// `selfscan worker [--vantage NAME]` / `npm run worker -- --vantage NAME`: a scanner node of the
// scaled-out mode. It takes the jobs of its vantage point's queue from Redis, probes, writes the
// results to the database (the same batched, idempotent writes as the one-process mode) and
// publishes them on Redis for the web nodes' live streams. It announces itself with a heartbeat
// while its canary is healthy. SIGTERM/SIGINT: takes no new job, lets running scans finish until
// SELFSCAN_SHUTDOWN_TIMEOUT_MS, then hands the rest back to the queue (results kept) for another
// worker to finish.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { enqueueAlerts } from '../jobs/notify-org.js';
import { runScan, ScanReleasedError } from '../jobs/run-scan.js';
import { BullmqScanWorker } from '../queue/bullmq-queue.js';
import { jobKeyOf } from '../queue/job-crypto.js';
import {
  assertNoEviction,
  connected,
  fastFailRedis,
  scanRef,
  workerRedis,
} from '../queue/redis.js';
import { RedisScanEvents } from '../queue/redis-scan-events.js';
import { startHeartbeat } from '../queue/vantage-registry.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { logStream } from './pretty-log.js';
import { startScanner } from './scanner.js';

const at = process.argv.indexOf('--vantage');
const flag = process.argv.find((a) => a.startsWith('--vantage='));
if (at >= 0 && process.argv[at + 1]) process.env.SELFSCAN_VANTAGE = process.argv[at + 1];
else if (flag) process.env.SELFSCAN_VANTAGE = flag.slice('--vantage='.length);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`selfscan worker: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
const scaleOut = config.scaleOut;
if (!scaleOut) {
  console.error(
    'selfscan worker: SELFSCAN_REDIS_URL is not set. Without Redis the server runs the scans itself (npm start); a worker is for the scaled-out mode (docs/operations.md).',
  );
  process.exit(2);
}

const stream = logStream();
const log = pino({ level: config.logLevel, base: { vantage: config.vantage } }, stream);
const vantage = config.vantage;

let database: Awaited<ReturnType<typeof openDatabase>>;
try {
  database = await openDatabase(config.database.url);
  await migrateToLatest(database.db);
} catch (err) {
  console.error(`selfscan worker: ${(err as Error).message}`);
  process.exit(1);
}
const store = new KyselyStore(database.db, { check: database.check });

const pub = fastFailRedis(scaleOut.redisUrl, { connectionName: `selfscan-worker-${vantage}` });
const blocking = workerRedis(scaleOut.redisUrl);
pub.on('error', () => undefined);
blocking.on('error', () => undefined);
try {
  await connected(pub, 10_000);
  await assertNoEviction(pub);
} catch (err) {
  console.error(`selfscan worker: ${(err as Error).message}`);
  process.exit(1);
}

const events = new RedisScanEvents({ pub, prefix: scaleOut.prefix });
// An organisation's diagnosis that ends here enqueues its alerts in the database's outbox; the
// web nodes' dispatchers deliver them.
const scanner = await startScanner(config, store, (id, event) => {
  events.publish(id, event);
  if (event.type === 'end' && event.status === 'done')
    void store
      .getScan(id)
      .then((scan) => scan && enqueueAlerts(store.orgs, scan, config.publicOrigins[0]))
      .catch((err) => log.warn({ err }, 'alerts not enqueued'));
});
const workerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

const worker = new BullmqScanWorker({
  redis: blocking,
  prefix: scaleOut.prefix,
  key: jobKeyOf(scaleOut.jobKey),
  vantage,
  concurrency: config.scanConcurrency,
  runner: async (job, signal) => {
    const ref = scanRef(job.scanId);
    log.info({ job: ref }, 'scan job started');
    await runScan({ ...scanner.deps, onInterrupt: 'release' }, job, signal);
    log.info({ job: ref }, 'scan job done');
  },
  lockDurationMs: scaleOut.jobLockMs,
  onFinalFailure: async (scanId, err) => {
    const released = err instanceof ScanReleasedError || /stalled/i.test(err.message);
    const changed = await store
      .finishScan(scanId, {
        status: 'failed',
        verdict: null,
        error: released
          ? {
              code: 'interrupted',
              message: 'The scanner stopped before this diagnosis finished. Please run it again.',
            }
          : {
              code: 'internal_error',
              message: 'The diagnosis failed on our side. Please run it again.',
            },
        finishedAt: Date.now(),
      })
      .catch(() => false);
    if (changed) events.publish(scanId, { type: 'end', status: 'failed', verdict: null });
  },
  log,
});
await worker.ready();

const heartbeat = startHeartbeat({
  redis: pub,
  prefix: scaleOut.prefix,
  vantage,
  workerId,
  healthy: () => scanner.canary.current().healthy,
});
await heartbeat.beat().catch(() => undefined);
log.info(
  { workerId, concurrency: config.scanConcurrency },
  `selfscan worker ready (vantage ${vantage})`,
);

closeWithGrace({ delay: config.shutdownTimeoutMs + 5000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'fatal error, shutting down');
  else log.info({ signal }, 'worker stopping: draining running scans');
  // Gone from the heartbeat first: web nodes stop counting on this worker for new scans.
  await heartbeat.stop();
  await worker.close(config.shutdownTimeoutMs);
  scanner.stop();
  pub.disconnect();
  blocking.disconnect();
  await store.close().catch(() => undefined);
  await database.close();
  log.info('worker stopped');
});
