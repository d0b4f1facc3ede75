// The result writer against a real store (SQLite temp file): flush by size, by time, the bounded
// buffer, a failed write, and the job's drain on abort (SIGTERM) — everything scanned is stored.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortResult } from '../../src/core/port-state.js';
import { ResultWriter } from '../../src/jobs/result-writer.js';
import { runScan } from '../../src/jobs/run-scan.js';
import type { ScanEvent } from '../../src/queue/scan-events.js';
import { type StoredResult, UnknownScanError } from '../../src/store/store.js';
import { sqliteStoreWithScan } from '../helpers/sqlite-scan.js';

const freshStore = (t: TestContext, ports: number[]) =>
  sqliteStoreWithScan(
    t,
    ports.map((port) => ({ port, protocol: 'tcp' as const })),
  );

const result = (port: number): PortResult => ({
  port,
  protocol: 'tcp',
  state: 'closed',
  reason: 'refused',
  ms: 1,
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('flush by size: full batches are written without waiting; flush writes the rest', async (t) => {
  const { store, id } = await freshStore(t, range(7));
  const writes: number[] = [];
  const writer = new ResultWriter(
    async (batch) => {
      writes.push(batch.length);
      return store.appendResults(id, batch);
    },
    () => undefined,
    { batchSize: 3, maxDelayMs: 60_000, highWater: 100 },
  );
  for (const p of range(7)) await writer.add(result(p));
  await sleep(50);
  assert.deepEqual(writes, [3, 3], 'two full batches, the seventh result waits');
  assert.equal((await store.resultsAfter(id, 0)).length, 6);
  await writer.flush();
  assert.deepEqual(writes, [3, 3, 1]);
  assert.deepEqual(
    (await store.resultsAfter(id, 0)).map((r) => [r.seq, r.port]),
    range(7).map((p) => [p, p]),
  );
});

test('flush by time: a lone result is stored after maxDelayMs, and reported once', async (t) => {
  const { store, id } = await freshStore(t, range(2));
  const reported: StoredResult[] = [];
  const writer = new ResultWriter(
    (batch) => store.appendResults(id, batch),
    (stored) => reported.push(...stored),
    { batchSize: 500, maxDelayMs: 40, highWater: 1000 },
  );
  await writer.add(result(1));
  assert.equal((await store.resultsAfter(id, 0)).length, 0, 'not yet');
  const deadline = Date.now() + 5000;
  while (reported.length === 0 && Date.now() < deadline) await sleep(10);
  assert.deepEqual(reported, [{ ...result(1), seq: 1 }]);
  await writer.add(result(2));
  await writer.flush();
  assert.deepEqual(
    reported.map((r) => r.seq),
    [1, 2],
  );
});

test('the buffer is bounded: add() waits at the high-water mark until a write makes room', async (t) => {
  const { store, id } = await freshStore(t, range(50));
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const writer = new ResultWriter(
    async (batch) => {
      await gate; // a slow database
      return store.appendResults(id, batch);
    },
    () => undefined,
    { batchSize: 5, maxDelayMs: 10, highWater: 10 },
  );
  let added = 0;
  let maxBuffered = 0;
  const producer = (async () => {
    for (const p of range(50)) {
      await writer.add(result(p));
      added++;
      maxBuffered = Math.max(maxBuffered, writer.buffered);
    }
  })();
  await sleep(100);
  // 5 taken by the stuck write, 10 buffered: the 15th add() waits.
  assert.equal(added, 14, 'the producer waits at the high-water mark');
  assert.equal(writer.buffered, 10);
  open();
  gate = Promise.resolve();
  await producer;
  await writer.flush();
  assert.ok(maxBuffered <= 10, `buffered at most the high-water mark (saw ${maxBuffered})`);
  assert.equal((await store.resultsAfter(id, 0)).length, 50);
});

test('a failed write: add() and flush() reject with its error, nothing more is written', async (t) => {
  const { store, id } = await freshStore(t, range(10));
  const writer = new ResultWriter(
    (batch) => store.appendResults(id, batch),
    () => undefined,
    {
      batchSize: 2,
      maxDelayMs: 10,
      highWater: 100,
    },
  );
  await writer.add(result(1));
  await writer.add(result(2));
  await writer.flush();
  await store.deleteScan(id); // the holder deleted the diagnosis mid-scan
  await writer.add(result(3));
  await writer.add(result(4));
  await assert.rejects(writer.flush(), UnknownScanError);
  await assert.rejects(writer.add(result(5)), UnknownScanError);
});

test('runScan: aborted mid-scan (SIGTERM drain), what was scanned is stored, then interrupted', async (t) => {
  // Closed loopback ports answer at once. The stop comes 20 ms after the first batch of 50 is
  // stored (the SIGTERM deadline passing mid-scan); with a flush delay of a minute, what was
  // scanned since the last full batch is stored only by the drain.
  const ports = range(20_000).map((p) => p + 40_000);
  const { store, id } = await freshStore(t, ports);
  const events: ScanEvent[] = [];
  const controller = new AbortController();
  const started = Date.now();
  const job = runScan(
    {
      store,
      policy: { mode: 'local', allowRanges: [] },
      scanOptions: { concurrencyPerTarget: 8 },
      publish: (_, event) => {
        events.push(event);
        if (events.length === 1) setTimeout(() => controller.abort(), 20);
      },
      writer: { batchSize: 50, maxDelayMs: 60_000, highWater: 100_000 },
    },
    {
      scanId: id,
      address: '127.0.0.1',
      family: 4,
      ports: ports.map((port) => ({ port, protocol: 'tcp' as const })),
    },
    controller.signal,
  );
  await job;
  assert.ok(Date.now() - started < 30_000);
  const scan = await store.getScan(id);
  assert.equal(scan?.status, 'failed');
  assert.equal(scan?.error?.code, 'interrupted');
  const stored = scan?.results ?? [];
  assert.ok(stored.length > 50, `the drain stored more than the first batch (${stored.length})`);
  assert.ok(stored.length < ports.length, 'the abort landed mid-scan');
  assert.deepEqual(
    stored.map((r) => r.seq),
    range(stored.length),
    'gap-free',
  );
  const published = events.flatMap((e) =>
    e.type === 'results' ? e.results.map((r) => r.seq) : [],
  );
  for (const e of events)
    if (e.type === 'results') {
      assert.equal(e.firstSeq, e.results[0]?.seq);
      assert.equal(e.lastSeq, e.results.at(-1)?.seq);
    }
  assert.deepEqual(published, range(stored.length), 'every stored result was published once');
  assert.deepEqual(events.at(-1), { type: 'end', status: 'failed', verdict: null });
});

test('runScan: a retried job skips what is stored by (port, protocol), not by port', async (t) => {
  const ports = [41_001, 41_002, 41_003];
  const { store, id } = await freshStore(t, ports);
  // A retry: tcp/41001 and udp/41002 are stored already (udp/41002 is not tcp/41002).
  await store.appendResults(id, [
    result(41_001),
    { ...result(41_002), protocol: 'udp', state: 'closed' },
  ]);
  await runScan(
    {
      store,
      policy: { mode: 'local', allowRanges: [] },
      scanOptions: {},
      publish: () => undefined,
    },
    {
      scanId: id,
      address: '127.0.0.1',
      family: 4,
      ports: ports.map((port) => ({ port, protocol: 'tcp' as const })),
    },
  );
  const scan = await store.getScan(id);
  assert.equal(scan?.status, 'done');
  assert.deepEqual(
    scan?.results.map((r) => [r.seq, r.protocol, r.port]),
    [
      [1, 'tcp', 41_001],
      [2, 'udp', 41_002],
      [3, 'tcp', 41_002],
      [4, 'tcp', 41_003],
    ],
  );
});
