// The queue contract, run on both implementations: the in-process queue and BullMQ on the real
// Redis (SELFSCAN_TEST_REDIS_URL, default 127.0.0.1:6379, each run under its own key prefix,
// removed afterwards). Also the ScanEvents contract (in-process and Redis pub/sub), and what only
// the Redis side promises: no clear address in Redis, no job left after it ends, a job whose
// worker vanished runs again elsewhere, a failing job retried then reported once.
// No scan runs here: the runners are test functions; no traffic leaves 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { BullmqQueue, BullmqScanWorker, JOB_ATTEMPTS } from '../../src/queue/bullmq-queue.js';
import { InlineQueue } from '../../src/queue/inline-queue.js';
import { jobKeyOf } from '../../src/queue/job-crypto.js';
import {
  assertNoEviction,
  connected,
  fastFailRedis,
  scanRef,
  workerRedis,
} from '../../src/queue/redis.js';
import { RedisScanEvents } from '../../src/queue/redis-scan-events.js';
import {
  InProcessScanEvents,
  type ScanEvent,
  type ScanEvents,
} from '../../src/queue/scan-events.js';
import { QueueClosedError, type ScanJob, type ScanQueue } from '../../src/queue/scan-queue.js';
import { startHeartbeat, VantageMonitor } from '../../src/queue/vantage-registry.js';
import {
  dropPrefix,
  privateRedis,
  requireRedis,
  TEST_REDIS_URL,
  testPrefix,
} from '../helpers/redis.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
type Runner = (job: ScanJob, signal: AbortSignal) => Promise<void>;

interface Harness {
  queue: ScanQueue;
  /** Stops the consumer(s): running jobs may finish until the deadline, then are aborted. */
  stop(deadlineMs: number): Promise<void>;
}
type Make = (runner: Runner, concurrency: number) => Promise<Harness>;

async function waitUntil(ok: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const job = (n: number, extra: Partial<ScanJob> = {}): ScanJob => ({
  scanId: `scan-${n}-${Math.random().toString(36).slice(2)}`,
  address: `127.0.0.${10 + (n % 200)}`,
  family: 4,
  ports: [
    { port: 22, protocol: 'tcp' },
    { port: 23, protocol: 'tcp' },
    { port: 53, protocol: 'udp' },
    { port: 53, protocol: 'tcp' },
    { port: 445, protocol: 'tcp' },
  ],
  ...extra,
});

const KEY = jobKeyOf('a test job key of at least 32 chars');
const redisUp = await requireRedis(undefined);
const prefixes: string[] = [];
after(async () => {
  if (redisUp) for (const p of prefixes) await dropPrefix(TEST_REDIS_URL, p);
});

const inline: Make = async (runner, concurrency) => {
  const queue = new InlineQueue({ concurrency });
  queue.setRunner(runner);
  return { queue, stop: (d) => queue.close(d) };
};

const bullmq: Make = async (runner, concurrency) => {
  const prefix = testPrefix('queue');
  prefixes.push(prefix);
  const redis = fastFailRedis(TEST_REDIS_URL);
  const blocking = workerRedis(TEST_REDIS_URL);
  await connected(redis);
  const queue = new BullmqQueue({ redis, prefix, key: KEY, vantages: ['v1'] });
  const worker = new BullmqScanWorker({
    redis: blocking,
    prefix,
    key: KEY,
    vantage: 'v1',
    concurrency,
    runner,
    onFinalFailure: () => undefined,
  });
  await worker.ready();
  return {
    queue,
    stop: async (d) => {
      await queue.close(); // producer first: the queue refuses new jobs at once, like inline
      await worker.close(d);
      redis.disconnect();
      blocking.disconnect();
    },
  };
};

function queueContract(name: string, make: Make, skip: boolean) {
  describe(`queue contract: ${name}`, { skip: skip && 'REDIS TEST SKIPPED' }, () => {
    it('runs every job once, with its address, family and planned list intact', async () => {
      const seen: ScanJob[] = [];
      const h = await make(async (j) => {
        seen.push(j);
      }, 4);
      const all = Array.from({ length: 1024 }, (_, i) => ({
        port: i + 1,
        protocol: 'tcp' as const,
      }));
      const jobs = [job(1), job(2, { address: '::1', family: 6 }), job(3, { ports: all })];
      for (const j of jobs) await h.queue.enqueue(j);
      await waitUntil(() => seen.length === 3, 'three jobs run');
      await sleep(300);
      await h.stop(1000);
      assert.equal(seen.length, 3);
      for (const j of jobs)
        assert.deepEqual(
          seen.find((s) => s.scanId === j.scanId),
          j,
        );
    });

    it('a second submit of the same scan runs nothing more', async () => {
      let runs = 0;
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const h = await make(async () => {
        runs++;
        await gate;
      }, 2);
      const j = job(4);
      await h.queue.enqueue(j);
      await h.queue.enqueue(j); // waiting or running: either way, not twice
      await waitUntil(() => runs === 1, 'the job started');
      await h.queue.enqueue(j);
      await sleep(500);
      release();
      await h.stop(2000);
      assert.equal(runs, 1);
    });

    it('runs at most `concurrency` jobs at once', async () => {
      let running = 0;
      let peak = 0;
      let done = 0;
      const h = await make(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(100);
        running--;
        done++;
      }, 3);
      for (let i = 0; i < 9; i++) await h.queue.enqueue(job(10 + i));
      await waitUntil(() => done === 9, 'nine jobs done', 20_000);
      await h.stop(1000);
      assert.equal(peak, 3);
    });

    it('stop lets a running job finish within the deadline; enqueue is then refused', async () => {
      let finished = false;
      let started = false;
      const h = await make(async (_j, signal) => {
        started = true;
        await sleep(800);
        finished = !signal.aborted;
      }, 1);
      await h.queue.enqueue(job(20));
      await waitUntil(() => started, 'started');
      await h.stop(10_000);
      assert.equal(finished, true);
      await assert.rejects(h.queue.enqueue(job(21)), QueueClosedError);
    });

    it('stop aborts the signal of a job still running at the deadline', async () => {
      let aborted = false;
      let started = false;
      const h = await make(async (_j, signal) => {
        started = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20_000);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted = true;
            resolve();
          });
        });
      }, 1);
      await h.queue.enqueue(job(22));
      await waitUntil(() => started, 'started');
      const t0 = Date.now();
      await h.stop(300);
      assert.equal(aborted, true);
      assert.ok(Date.now() - t0 < 10_000, 'stopped soon after the deadline');
    });
  });
}

queueContract('in-process', inline, false);
queueContract('BullMQ on Redis', bullmq, !redisUp);

function eventsContract(
  name: string,
  make: () => Promise<{ a: ScanEvents; b: ScanEvents; close(): void }>,
  skip: boolean,
) {
  describe(`ScanEvents contract: ${name}`, { skip: skip && 'REDIS TEST SKIPPED' }, () => {
    it('a subscriber of one scan gets its events in order, not other scans; unsubscribe stops', async () => {
      const { a, b, close } = await make();
      const got: ScanEvent[] = [];
      const off = b.subscribe('scan-x', (e) => got.push(e));
      const other: ScanEvent[] = [];
      const offOther = b.subscribe('scan-y', (e) => other.push(e));
      await sleep(200); // Redis: SUBSCRIBE is asynchronous (a stream fills gaps from the store)
      const results = [
        {
          port: 22,
          protocol: 'tcp' as const,
          state: 'closed' as const,
          reason: 'rst',
          ms: 1,
          seq: 1,
        },
      ];
      a.publish('scan-x', { type: 'results', firstSeq: 1, lastSeq: 1, results: results as never });
      a.publish('scan-x', { type: 'end', status: 'done', verdict: 'safe' as never });
      await waitUntil(() => got.length === 2, 'two events');
      assert.deepEqual(
        got.map((e) => e.type),
        ['results', 'end'],
      );
      assert.equal(other.length, 0);
      off();
      offOther();
      await sleep(100);
      a.publish('scan-x', { type: 'end', status: 'done', verdict: null });
      await sleep(300);
      assert.equal(got.length, 2);
      close();
    });
  });
}

eventsContract(
  'in-process',
  async () => {
    const e = new InProcessScanEvents();
    return { a: e, b: e, close: () => undefined };
  },
  false,
);
eventsContract(
  'Redis pub/sub (publisher on one node, subscriber on another)',
  async () => {
    const prefix = testPrefix('events');
    const pub = fastFailRedis(TEST_REDIS_URL);
    const pub2 = fastFailRedis(TEST_REDIS_URL);
    const sub = fastFailRedis(TEST_REDIS_URL);
    await Promise.all([connected(pub), connected(pub2), connected(sub)]);
    return {
      a: new RedisScanEvents({ pub, prefix }),
      b: new RedisScanEvents({ pub: pub2, sub, prefix }),
      close: () => {
        pub.disconnect();
        pub2.disconnect();
        sub.disconnect();
      },
    };
  },
  !redisUp,
);

describe('BullMQ only', { skip: !redisUp && 'REDIS TEST SKIPPED' }, () => {
  let raw: Redis;
  before(() => {
    raw = new Redis(TEST_REDIS_URL);
  });
  after(() => raw?.disconnect());

  it('refuses a Redis whose maxmemory-policy is not noeviction (the shared one is)', async () => {
    await assertNoEviction(raw);
    // A real redis-server of this test's own (127.0.0.1, a free port) that may evict keys.
    const lru = await privateRedis(['--maxmemory-policy', 'allkeys-lru']);
    const r = new Redis(lru.url);
    try {
      await assert.rejects(assertNoEviction(r), /allkeys-lru, not noeviction/);
    } finally {
      r.disconnect();
      await lru.dispose();
    }
  });

  it('Redis holds no clear address, no scan id in key names, and no job once it ended', async () => {
    const prefix = testPrefix('privacy');
    prefixes.push(prefix);
    const redis = fastFailRedis(TEST_REDIS_URL);
    await connected(redis);
    const queue = new BullmqQueue({ redis, prefix, key: KEY, vantages: ['v1'] });
    const j = job(30, { address: '127.0.0.231' });
    await queue.enqueue(j);
    const keys = await raw.keys(`${prefix}:*`);
    assert.ok(
      keys.some((k) => k.endsWith(scanRef(j.scanId))),
      'job keyed by the hash',
    );
    assert.ok(!keys.some((k) => k.includes(j.scanId)), 'scan id not in key names');
    const hash = await raw.hgetall(`${prefix}:scan-v1:${scanRef(j.scanId)}`);
    assert.ok(hash.data, 'job data stored');
    assert.ok(!hash.data.includes('127.0.0.231'), 'address sealed');
    assert.deepEqual(await queue.liveScanIds(), [j.scanId]);

    const blocking = workerRedis(TEST_REDIS_URL);
    let ran: ScanJob | undefined;
    const worker = new BullmqScanWorker({
      redis: blocking,
      prefix,
      key: KEY,
      vantage: 'v1',
      concurrency: 1,
      runner: async (s) => {
        ran = s;
      },
      onFinalFailure: () => undefined,
    });
    await waitUntil(() => ran !== undefined, 'ran');
    assert.equal(ran?.address, '127.0.0.231');
    for (let i = 0; i < 50 && (await raw.exists(`${prefix}:scan-v1:${scanRef(j.scanId)}`)); i++)
      await sleep(50);
    assert.equal(await raw.exists(`${prefix}:scan-v1:${scanRef(j.scanId)}`), 0, 'job removed');
    assert.deepEqual(await queue.liveScanIds(), []);
    await worker.close(1000);
    await queue.close();
    redis.disconnect();
    blocking.disconnect();
  });

  it('a job whose worker vanished mid-run is run again by another worker (stalled recovery)', async () => {
    const prefix = testPrefix('stalled');
    prefixes.push(prefix);
    const redis = fastFailRedis(TEST_REDIS_URL);
    await connected(redis);
    const queue = new BullmqQueue({ redis, prefix, key: KEY, vantages: ['v1'] });
    const runsBy: string[] = [];
    const mk = (name: string, runner: Runner) => {
      const blocking = workerRedis(TEST_REDIS_URL);
      const w = new BullmqScanWorker({
        redis: blocking,
        prefix,
        key: KEY,
        vantage: 'v1',
        concurrency: 1,
        runner: async (s, signal) => {
          runsBy.push(name);
          await runner(s, signal);
        },
        onFinalFailure: () => undefined,
        lockDurationMs: 1500,
      });
      return { w, blocking };
    };
    // The first worker hangs (as a process stopped with SIGSTOP / killed: no lock renewal).
    const first = mk('first', () => new Promise<void>(() => undefined));
    await queue.enqueue(job(31));
    await waitUntil(() => runsBy.length === 1, 'first run');
    // A crash: the connection is gone, the lock expires, nobody finishes the job.
    first.blocking.disconnect();
    void first.w.worker.close(true).catch(() => undefined);
    const second = mk('second', async () => undefined);
    await waitUntil(() => runsBy.includes('second'), 'run again elsewhere', 20_000);
    await second.w.close(1000);
    await queue.close();
    redis.disconnect();
    second.blocking.disconnect();
    assert.deepEqual(runsBy, ['first', 'second']);
  });

  it('a throwing job is retried, then reported once as a final failure', async () => {
    const prefix = testPrefix('retry');
    prefixes.push(prefix);
    const redis = fastFailRedis(TEST_REDIS_URL);
    const blocking = workerRedis(TEST_REDIS_URL);
    await connected(redis);
    const queue = new BullmqQueue({ redis, prefix, key: KEY, vantages: ['v1'] });
    let runs = 0;
    const finals: string[] = [];
    const worker = new BullmqScanWorker({
      redis: blocking,
      prefix,
      key: KEY,
      vantage: 'v1',
      concurrency: 1,
      runner: async () => {
        runs++;
        throw new Error('boom');
      },
      onFinalFailure: (id) => {
        finals.push(id);
      },
    });
    const j = job(32);
    await queue.enqueue(j);
    await waitUntil(() => finals.length === 1, 'final failure', 20_000);
    await sleep(300);
    assert.equal(runs, JOB_ATTEMPTS);
    assert.deepEqual(finals, [j.scanId]);
    await worker.close(1000);
    await queue.close();
    redis.disconnect();
    blocking.disconnect();
  });

  it('vantage heartbeats: a worker counts while it beats and is healthy, not after it stops', async () => {
    const prefix = testPrefix('vantage');
    prefixes.push(prefix);
    const redis = fastFailRedis(TEST_REDIS_URL);
    await connected(redis);
    const monitor = new VantageMonitor(redis, prefix, ['tokyo', 'osaka']);
    await monitor.refresh();
    assert.equal(monitor.health().healthy, false);
    let healthy = true;
    const hb = startHeartbeat({
      redis,
      prefix,
      vantage: 'tokyo',
      workerId: 'w1',
      healthy: () => healthy,
    });
    const hb2 = startHeartbeat({
      redis,
      prefix,
      vantage: 'osaka',
      workerId: 'w2',
      healthy: () => true,
    });
    await hb.beat();
    await hb2.beat();
    await monitor.refresh();
    assert.deepEqual(monitor.status(), [
      { vantage: 'tokyo', workers: 1 },
      { vantage: 'osaka', workers: 1 },
    ]);
    assert.equal(monitor.health().healthy, true);
    healthy = false; // its canary failed
    await hb.beat();
    await monitor.refresh();
    assert.match(monitor.health().detail, /no scanner worker alive for vantage tokyo/);
    await hb2.stop();
    await hb.stop();
    await monitor.refresh();
    assert.deepEqual(
      monitor.status().map((s) => s.workers),
      [0, 0],
    );
    redis.disconnect();
  });
});
