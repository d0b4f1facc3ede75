// The result writer against a real store (SQLite temp file): flush by size, by time, the bounded
// buffer, a failed write, and the job's drain on abort (SIGTERM) — everything scanned is stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortResult } from '../../src/core/port-state.js';
import { ResultWriter } from '../../src/jobs/result-writer.js';
import { runScan } from '../../src/jobs/run-scan.js';
import type { ScanEvent } from '../../src/queue/scan-events.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import { type StoredResult, UnknownScanError } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'selfscan-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freshStore(t: TestContext, ports: number[]) {
  const opened = await openDatabase(`sqlite:${join(dir, randomBytes(6).toString('hex'), 'db')}`);
  await migrateToLatest(opened.db);
  const store = new KyselyStore(opened.db);
  t.after(async () => {
    await store.close();
    await opened.close();
  });
  const id = randomBytes(16).toString('base64url');
  await store.createScan({
    id,
    code: id.slice(0, 11),
    requesterKey: `rk-${id}`,
    address: '127.0.0.1',
    addressHash: null,
    family: 4,
    addressClass: 'loopback',
    ports: ports.map((port) => ({ port, protocol: 'tcp' as const })),
    label: null,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'v',
    createdAt: Date.now(),
  });
  return { store, id };
}

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
  // Closed loopback ports answer at once; a flush delay of a minute means only the drain writes.
  const ports = range(3000).map((p) => p + 40_000);
  const { store, id } = await freshStore(t, ports);
  const events: ScanEvent[] = [];
  const controller = new AbortController();
  const started = Date.now();
  const job = runScan(
    {
      store,
      policy: { mode: 'local', allowRanges: [] },
      scanOptions: { concurrencyPerTarget: 8 },
      publish: (_, event) => events.push(event),
      writer: { batchSize: 100_000, maxDelayMs: 60_000, highWater: 100_000 },
    },
    { scanId: id, address: '127.0.0.1', family: 4, ports },
    controller.signal,
  );
  await sleep(300);
  controller.abort();
  await job;
  assert.ok(Date.now() - started < 30_000);
  const scan = await store.getScan(id);
  assert.equal(scan?.status, 'failed');
  assert.equal(scan?.error?.code, 'interrupted');
  const stored = scan?.results ?? [];
  assert.ok(stored.length > 0, 'the drain flushed the buffered results');
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
