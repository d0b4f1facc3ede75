// The Store contract, run against every database the product supports: SQLite in a real temp
// file and PostgreSQL (SELFSCAN_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test,
// one fresh schema per test, dropped after it). PostgreSQL not answering skips loudly — except
// under CI=true, where it fails.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { finding } from '../../src/core/findings.js';
import type { PortResult } from '../../src/core/port-state.js';
import type { Database } from '../../src/store/db-schema.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest, migrations } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import {
  ConsentError,
  type NewConsent,
  type NewScan,
  ScanConflictError,
  type Store,
  UnknownScanError,
} from '../../src/store/store.js';

const MIGRATIONS = Object.keys(migrations).sort();
const TIMING = {
  window: { initial: 64, max: 512, low: 32, high: 512, final: 64, sendDelayMs: 4, slowdowns: 3 },
  reprobes: 12,
  triesPerSilentPort: 2,
  lateAnswers: 1,
  timeoutMs: 100,
};
const PG_URL = process.env.SELFSCAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** 2026-01-01T00:00:00.123Z: far above 2^32, so bigint handling is exercised. */
const T0 = 1_767_225_600_123;

interface Harness {
  store: Store;
  db: Kysely<Database>;
  /** What the first migrateToLatest ran. */
  migrated: string[];
}

interface Target {
  name: string;
  fresh(t: TestContext): Promise<Harness>;
}

// ---------------------------------------------------------------------------------------------
// Targets

const tempDir = mkdtempSync(join(tmpdir(), 'selfscan-store-'));
after(() => rmSync(tempDir, { recursive: true, force: true }));

let fileNo = 0;
const sqliteTarget: Target = {
  name: 'sqlite (temp file)',
  async fresh(t) {
    const opened = await openDatabase(`sqlite:${join(tempDir, `db-${++fileNo}`, 'selfscan.db')}`);
    const store = new KyselyStore(opened.db);
    t.after(async () => {
      await store.close();
      await opened.close();
    });
    const migrated = await migrateToLatest(opened.db);
    return { store, db: opened.db, migrated };
  },
};

function postgresTarget(admin: pg.Client): Target {
  return {
    name: 'postgres',
    async fresh(t) {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      await admin.query(`create schema ${schema}`);
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const opened = await openDatabase(url.toString());
      const store = new KyselyStore(opened.db);
      t.after(async () => {
        await store.close();
        await opened.close();
        await admin.query(`drop schema ${schema} cascade`);
      });
      const migrated = await migrateToLatest(opened.db);
      return { store, db: opened.db, migrated };
    },
  };
}

async function connectPostgres(): Promise<pg.Client | string> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    return err instanceof Error ? err.message : String(err);
  }
}

test('store contract: sqlite (temp file)', (t) => contract(t, sqliteTarget));

test('store contract: postgres', async (t) => {
  const admin = await connectPostgres();
  if (typeof admin === 'string') {
    const why = `PostgreSQL at ${redact(PG_URL)} did not answer (${admin})`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
    process.stderr.write(
      `\n!!!!! POSTGRES SKIPPED: ${why} — the store contract ran on SQLite only !!!!!\n\n`,
    );
    t.skip(`POSTGRES SKIPPED: ${why}`);
    return;
  }
  try {
    await contract(t, postgresTarget(admin));
  } finally {
    await admin.end();
  }
});

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Builders

let codeNo = 0;
function newScan(over: Partial<NewScan> = {}): NewScan {
  const id = randomBytes(16).toString('base64url');
  return {
    id,
    code: `K${(++codeNo).toString().padStart(6, '0')}`,
    requesterKey: `rk-${id}`,
    address: '203.0.113.x',
    addressHash: 'ab'.repeat(32),
    family: 4,
    addressClass: 'global',
    ports: [
      { port: 445, protocol: 'tcp' },
      { port: 22, protocol: 'tcp' },
      { port: 23, protocol: 'tcp' },
    ],
    label: 'ノートPC — "laptop" ✓',
    termsVersion: 'terms-2026-01',
    catalogVersion: 'catalog-3',
    vantage: 'tokyo-1',
    createdAt: T0,
    ...over,
  };
}

function result(port: number, over: Partial<PortResult> = {}): PortResult {
  return { port, protocol: 'tcp', state: 'closed', reason: 'refused', ms: 3, ...over };
}

let tokenNo = 0;
function newConsent(over: Partial<NewConsent> = {}): NewConsent {
  return {
    tokenHash: `th-${++tokenNo}-${randomBytes(8).toString('hex')}`,
    requesterKey: 'rk-alice',
    csrfBinding: null,
    termsVersion: 'terms-2026-01',
    createdAt: T0,
    expiresAt: T0 + 600_000,
    ...over,
  };
}

async function rowCount(
  db: Kysely<Database>,
  table: 'scan_ports' | 'scan_results' | 'scan_findings',
  scanId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('scan_id', '=', scanId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// The contract

async function contract(t: TestContext, target: Target): Promise<void> {
  await t.test('create → get round trip carries every field', async (t) => {
    const { store } = await target.fresh(t);
    const s = newScan({ family: 6, address: '2001:db8:1::/48', addressClass: 'global' });
    await store.createScan(s);
    assert.deepEqual(await store.getScan(s.id), {
      id: s.id,
      code: s.code,
      requesterKey: s.requesterKey,
      status: 'queued',
      error: null,
      address: '2001:db8:1::/48',
      addressHash: s.addressHash,
      family: 6,
      addressClass: 'global',
      verdict: null,
      total: 3,
      label: s.label,
      ports: s.ports,
      results: [],
      findings: [],
      createdAt: T0,
      startedAt: null,
      finishedAt: null,
      termsVersion: s.termsVersion,
      catalogVersion: s.catalogVersion,
      vantage: s.vantage,
      timing: null,
      diagnosisId: null,
      context: null,
      untested: null,
    });

    assert.equal(await store.markRunning(s.id, T0 + 10), true);
    assert.equal(await store.markRunning(s.id, T0 + 99), true, 'a retried job may mark again');
    await store.appendResult(s.id, result(445, { state: 'open', reason: 'syn-ack', ms: 12 }));
    await store.appendResult(s.id, result(22));
    await store.appendResult(s.id, result(23, { state: 'filtered', reason: 'timeout', ms: 1500 }));
    assert.equal(
      await store.finishScan(s.id, {
        status: 'done',
        verdict: 'exposed',
        finishedAt: T0 + 2000,
        timing: TIMING,
      }),
      true,
    );
    const done = await store.getScan(s.id);
    assert.deepEqual(done?.timing, TIMING, 'the timing report round-trips');
    assert.ok(done);
    assert.equal(done.status, 'done');
    assert.equal(done.verdict, 'exposed');
    assert.equal(done.error, null);
    assert.equal(done.startedAt, T0 + 10, 'the first start is kept');
    assert.equal(done.finishedAt, T0 + 2000);
    assert.equal(typeof done.createdAt, 'number');
    assert.deepEqual(done.results, [
      { seq: 1, port: 445, protocol: 'tcp', state: 'open', reason: 'syn-ack', ms: 12 },
      { seq: 2, port: 22, protocol: 'tcp', state: 'closed', reason: 'refused', ms: 3 },
      { seq: 3, port: 23, protocol: 'tcp', state: 'filtered', reason: 'timeout', ms: 1500 },
    ]);
    assert.equal(await store.markRunning(s.id, T0 + 5000), false, 'a finished scan never restarts');

    const bare = newScan({ label: null, addressHash: null, ports: [] });
    await store.createScan(bare);
    const got = await store.getScan(bare.id);
    assert.equal(got?.label, null);
    assert.equal(got?.addressHash, null);
    assert.equal(got?.total, 0);
    assert.deepEqual(got?.ports, []);

    assert.equal(await store.getScan('no-such-scan'), undefined);
    assert.equal(await store.markRunning('no-such-scan', T0), false);
  });

  await t.test('a planned list of 65535 ports is stored whole and in order', async (t) => {
    const { store } = await target.fresh(t);
    const ports = Array.from({ length: 65535 }, (_, i) => ({
      port: 65535 - i,
      protocol: 'tcp' as const,
    }));
    const s = newScan({ ports });
    await store.createScan(s);
    const got = await store.getScan(s.id);
    assert.equal(got?.total, 65535);
    assert.deepEqual(got?.ports, ports);
    await assert.rejects(
      store.createScan(newScan({ ports: [result(80), result(80)] })),
      TypeError,
      'a port listed twice is refused before anything is written',
    );
  });

  await t.test('appendResult: seq in arrival order, idempotent per (port, protocol)', async (t) => {
    const { store, db } = await target.fresh(t);
    const s = newScan();
    await store.createScan(s);
    assert.equal(await store.appendResult(s.id, result(23)), 1);
    assert.equal(await store.appendResult(s.id, result(445, { state: 'open' })), 2);
    assert.equal(await store.appendResult(s.id, result(22)), 3);
    // A retried job appends the same port again, even with a different outcome: nothing changes.
    assert.equal(await store.appendResult(s.id, result(445, { state: 'closed', ms: 99 })), 2);
    assert.equal(await store.appendResult(s.id, result(23)), 1);
    assert.equal(await rowCount(db, 'scan_results', s.id), 3);
    const stored = (await store.getScan(s.id))?.results.find((r) => r.port === 445);
    assert.equal(stored?.state, 'open');
    // No gap after the repeats; the same port number over another protocol is another result.
    assert.equal(await store.appendResult(s.id, result(53, { protocol: 'udp' })), 4);
    assert.equal(await store.appendResult(s.id, result(53)), 5);
    assert.deepEqual(
      (await store.getScan(s.id))?.results.map((r) => [r.seq, r.port, r.protocol]),
      [
        [1, 23, 'tcp'],
        [2, 445, 'tcp'],
        [3, 22, 'tcp'],
        [4, 53, 'udp'],
        [5, 53, 'tcp'],
      ],
    );
    await assert.rejects(store.appendResult('no-such-scan', result(1)), UnknownScanError);
  });

  await t.test('50 concurrent appends to one scan get seq 1..50, no gaps', async (t) => {
    const { store, db } = await target.fresh(t);
    const s = newScan();
    await store.createScan(s);
    const ports = Array.from({ length: 50 }, (_, i) => 1000 + i);
    const seqs = await Promise.all(ports.map((p) => store.appendResult(s.id, result(p))));
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const results = await store.resultsAfter(s.id, 0);
    assert.deepEqual(
      results.map((r) => r.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    for (const [i, p] of ports.entries()) {
      assert.equal(results.find((r) => r.seq === seqs[i])?.port, p, 'seq returned = seq stored');
    }

    // The same 50 again, each twice, together with 50 new ones: repeats keep their seq, the new
    // ones continue at 51..100.
    const more = Array.from({ length: 50 }, (_, i) => 2000 + i);
    const calls = shuffle([...ports, ...ports, ...more]);
    const again = await Promise.all(calls.map((p) => store.appendResult(s.id, result(p))));
    for (const [i, p] of calls.entries()) {
      const expected = p < 2000 ? seqs[ports.indexOf(p)] : undefined;
      if (expected !== undefined) assert.equal(again[i], expected);
    }
    assert.deepEqual(
      [...new Set(again.filter((_, i) => (calls[i] ?? 0) >= 2000))].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 51),
    );
    assert.equal(await rowCount(db, 'scan_results', s.id), 100);
  });

  await t.test(
    'appendResults: one batch, consecutive seq, a retried batch writes nothing',
    async (t) => {
      const { store, db } = await target.fresh(t);
      const s = newScan();
      await store.createScan(s);
      assert.deepEqual(await store.appendResults(s.id, []), []);
      const first = [
        result(23),
        result(445, { state: 'open', reason: 'syn-ack', ms: 7 }),
        result(22),
      ];
      const stored = await store.appendResults(s.id, first);
      assert.deepEqual(
        stored,
        first.map((r, i) => ({ ...r, seq: i + 1 })),
        'returned in batch order with seq 1..3',
      );
      assert.deepEqual(await store.resultsAfter(s.id, 0), stored, 'returned = stored');
      // The same batch again (a retried flush), even with other outcomes: nothing written.
      assert.deepEqual(
        await store.appendResults(
          s.id,
          first.map((r) => ({ ...r, state: 'closed' as const })),
        ),
        [],
      );
      assert.equal(await rowCount(db, 'scan_results', s.id), 3);
      assert.equal((await store.resultsAfter(s.id, 0)).find((r) => r.port === 445)?.state, 'open');
      // Partly stored, with a repeat inside the batch and udp/53 beside tcp/53: only the new ones,
      // continuing at 4 with no gap.
      const next = await store.appendResults(s.id, [
        result(22),
        result(53, { protocol: 'udp' }),
        result(80),
        result(80, { state: 'open' }),
        result(53),
      ]);
      assert.deepEqual(
        next.map((r) => [r.seq, r.port, r.protocol, r.state]),
        [
          [4, 53, 'udp', 'closed'],
          [5, 80, 'tcp', 'closed'],
          [6, 53, 'tcp', 'closed'],
        ],
      );
      // appendResult continues the same sequence.
      assert.equal(await store.appendResult(s.id, result(8080)), 7);
      assert.deepEqual(
        (await store.resultsAfter(s.id, 0)).map((r) => r.seq),
        [1, 2, 3, 4, 5, 6, 7],
      );
      await assert.rejects(store.appendResults('no-such-scan', [result(1)]), UnknownScanError);
    },
  );

  await t.test(
    'appendResults: 5000 rows in one batch (above the bound-parameter limit)',
    async (t) => {
      const { store } = await target.fresh(t);
      const s = newScan();
      await store.createScan(s);
      // 5000 × 7 columns = 35 000 parameters: more than SQLite allows in one statement.
      const ports = shuffle(Array.from({ length: 5000 }, (_, i) => i + 1));
      const stored = await store.appendResults(
        s.id,
        ports.map((p) => result(p)),
      );
      assert.deepEqual(
        stored.map((r) => r.port),
        ports,
      );
      const read = await store.resultsAfter(s.id, 0);
      assert.deepEqual(
        read.map((r) => [r.seq, r.port]),
        ports.map((p, i) => [i + 1, p]),
      );
      // Retried with 5000 more: only those are new, seq 5001..10000.
      const more = Array.from({ length: 5000 }, (_, i) => i + 10_001);
      const again = await store.appendResults(
        s.id,
        [...ports, ...more].map((p) => result(p)),
      );
      assert.deepEqual(
        again.map((r) => [r.seq, r.port]),
        more.map((p, i) => [i + 5001, p]),
      );
    },
  );

  await t.test(
    'appendResults: 30 concurrent batches to one scan, with retries, gap-free',
    async (t) => {
      const { store, db } = await target.fresh(t);
      const s = newScan();
      await store.createScan(s);
      // 20 distinct batches of 50 ports, and 10 retries of some of them, all at once.
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) => result(1000 + b * 50 + i)),
      );
      const calls = shuffle([...batches, ...batches.slice(0, 10)]);
      const written = await Promise.all(calls.map((b) => store.appendResults(s.id, b)));
      const all = written.flat();
      assert.equal(all.length, 1000, 'every port written once, repeats wrote nothing');
      assert.deepEqual(
        all.map((r) => r.seq).sort((a, b) => a - b),
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
      for (const w of written) {
        // One batch's rows hold consecutive seq numbers (the range was reserved at once).
        for (let i = 1; i < w.length; i++) assert.equal(w[i]?.seq, (w[i - 1]?.seq ?? 0) + 1);
      }
      const read = await store.resultsAfter(s.id, 0);
      assert.equal(read.length, 1000);
      assert.equal(new Set(read.map((r) => r.port)).size, 1000);
      for (const r of all) assert.equal(read[r.seq - 1]?.port, r.port, 'seq returned = seq stored');
      assert.equal(await rowCount(db, 'scan_results', s.id), 1000);
      assert.equal(await store.appendResult(s.id, result(1)), 1001, 'next_seq kept gap-free');
    },
  );

  await t.test(
    'finishScan changes a scan once; a finished scan is never overwritten',
    async (t) => {
      const { store } = await target.fresh(t);
      const s = newScan();
      await store.createScan(s);
      await store.markRunning(s.id, T0 + 1);
      assert.equal(
        await store.finishScan(s.id, { status: 'done', verdict: 'safe', finishedAt: T0 + 5 }),
        true,
      );
      assert.equal(
        await store.finishScan(s.id, {
          status: 'failed',
          verdict: null,
          error: { code: 'interrupted', message: 'late' },
          finishedAt: T0 + 9,
        }),
        false,
      );
      const got = await store.getScan(s.id);
      assert.equal(got?.status, 'done');
      assert.equal(got?.verdict, 'safe');
      assert.equal(got?.error, null);
      assert.equal(got?.finishedAt, T0 + 5);

      const queued = newScan();
      await store.createScan(queued);
      assert.equal(
        await store.finishScan(queued.id, {
          status: 'failed',
          verdict: null,
          error: { code: 'scanner_unhealthy', message: 'the canary answered' },
          finishedAt: T0 + 7,
        }),
        true,
        'a queued scan can fail without having run',
      );
      const failed = await store.getScan(queued.id);
      assert.equal(failed?.status, 'failed');
      assert.deepEqual(failed?.error, {
        code: 'scanner_unhealthy',
        message: 'the canary answered',
      });
      assert.equal(failed?.verdict, null);

      assert.equal(
        await store.finishScan('no-such-scan', { status: 'done', verdict: 'safe', finishedAt: T0 }),
        false,
      );
    },
  );

  await t.test('getScanHeader is getScan without planned ports and results', async (t) => {
    const { store } = await target.fresh(t);
    const s = newScan();
    await store.createScan(s);
    await store.markRunning(s.id, T0 + 1);
    await store.appendResults(s.id, [result(445, { state: 'open' }), result(22)]);
    await store.finishScan(s.id, {
      status: 'done',
      verdict: 'exposed',
      finishedAt: T0 + 9,
      timing: TIMING,
    });
    const { ports, results, findings: _findings, ...header } = (await store.getScan(s.id))!;
    assert.equal(ports.length, 3);
    assert.equal(results.length, 2);
    assert.deepEqual(await store.getScanHeader(s.id), header);
    assert.equal(await store.getScanHeader('no-such-scan'), undefined);
  });

  await t.test('resultsAfter resumes after a seq', async (t) => {
    const { store } = await target.fresh(t);
    const s = newScan();
    await store.createScan(s);
    for (const p of [5, 6, 7, 8]) await store.appendResult(s.id, result(p));
    assert.deepEqual(
      (await store.resultsAfter(s.id, 2)).map((r) => [r.seq, r.port]),
      [
        [3, 7],
        [4, 8],
      ],
    );
    assert.equal((await store.resultsAfter(s.id, 0)).length, 4);
    assert.deepEqual(await store.resultsAfter(s.id, 4), []);
    assert.deepEqual(await store.resultsAfter('no-such-scan', 0), []);
    assert.deepEqual(
      (await store.resultsAfter(s.id, 1, 2)).map((r) => r.seq),
      [2, 3],
      'at most `limit` rows',
    );
    const [third] = await store.resultsAfter(s.id, 2);
    assert.deepEqual(third, {
      seq: 3,
      port: 7,
      protocol: 'tcp',
      state: 'closed',
      reason: 'refused',
      ms: 3,
    });
  });

  await t.test(
    'findings: stored once per (port, protocol, id), read in order, deleted with the scan',
    async (t) => {
      const { store, db } = await target.fresh(t);
      const s = newScan();
      await store.createScan(s);
      const smb1 = finding(445, 'tcp', 'smb1-enabled', { dialect: 'NT LM 0.12' });
      const ssdp = finding(1900, 'udp', 'ssdp-responds', { answerBytes: 226, amplification: 2.3 });
      const banner = finding(22, 'tcp', 'banner', { service: 'ssh', product: 'SSH-2.0-x' });
      await store.appendFindings(s.id, [smb1, ssdp]);
      // A retried job writes the same findings again: kept once.
      await store.appendFindings(s.id, [banner, smb1]);
      await store.appendFindings(s.id, []);
      assert.deepEqual(await store.findingsOf(s.id), [banner, smb1, ssdp]);
      assert.deepEqual((await store.getScan(s.id))?.findings, [banner, smb1, ssdp]);
      await assert.rejects(store.appendFindings('no-such-scan', [smb1]), UnknownScanError);
      assert.equal(await store.deleteScan(s.id), true);
      assert.equal(await rowCount(db, 'scan_findings', s.id), 0);
    },
  );

  await t.test('deleteScan removes the scan, its planned ports and results', async (t) => {
    const { store, db } = await target.fresh(t);
    const consent = newConsent();
    await store.createConsent(consent);
    const s = newScan({ requesterKey: consent.requesterKey });
    await store.createScan(s, {
      consumeConsent: { ...consent, now: T0 + 1 },
    });
    await store.appendResult(s.id, result(22));
    await store.appendResult(s.id, result(23));
    const other = newScan();
    await store.createScan(other);
    await store.appendResult(other.id, result(22));

    assert.equal(await store.deleteScan(s.id), true);
    assert.equal(await store.getScan(s.id), undefined);
    assert.deepEqual(await store.resultsAfter(s.id, 0), []);
    assert.equal(await rowCount(db, 'scan_ports', s.id), 0);
    assert.equal(await rowCount(db, 'scan_results', s.id), 0);
    assert.equal(await store.deleteScan(s.id), false);
    // The spent consent stays spent, but no longer points at the deleted secret id.
    const row = await db
      .selectFrom('consents')
      .select(['scan_id', 'used_at'])
      .where('token_hash', '=', consent.tokenHash)
      .executeTakeFirstOrThrow();
    assert.equal(row.scan_id, null);
    assert.notEqual(row.used_at, null);
    // The other scan is untouched.
    assert.equal((await store.getScan(other.id))?.results.length, 1);
    assert.equal(await rowCount(db, 'scan_ports', other.id), 3);
  });

  await t.test('activeScanFor / countActiveScans, one active scan per requester', async (t) => {
    const { store } = await target.fresh(t);
    assert.equal(await store.activeScanFor('rk-1'), undefined);
    assert.equal(await store.countActiveScans(), 0);
    const a = newScan({ requesterKey: 'rk-1' });
    const b = newScan({ requesterKey: 'rk-2' });
    await store.createScan(a);
    await store.createScan(b);
    assert.deepEqual(await store.activeScanFor('rk-1'), { id: a.id });
    assert.equal(await store.countActiveScans(), 2);
    await store.markRunning(a.id, T0 + 1);
    assert.deepEqual(await store.activeScanFor('rk-1'), { id: a.id });
    assert.equal(await store.countActiveScans(), 2);

    await assert.rejects(
      store.createScan(newScan({ requesterKey: 'rk-1' })),
      (e) => e instanceof ScanConflictError && e.conflict === 'active_scan',
    );
    await assert.rejects(
      store.createScan(newScan({ code: b.code })),
      (e) => e instanceof ScanConflictError && e.conflict === 'duplicate_code',
    );
    await assert.rejects(
      store.createScan(newScan({ id: b.id })),
      (e) => e instanceof ScanConflictError && e.conflict === 'duplicate_id',
    );

    await store.finishScan(a.id, { status: 'done', verdict: 'safe', finishedAt: T0 + 2 });
    assert.equal(await store.activeScanFor('rk-1'), undefined);
    assert.equal(await store.countActiveScans(), 1);
    const again = newScan({ requesterKey: 'rk-1' });
    await store.createScan(again);
    assert.deepEqual(await store.activeScanFor('rk-1'), { id: again.id });
    assert.equal(await store.countActiveScans(), 2);

    // Concurrent requests of one requester: exactly one scan is accepted.
    const racers = Array.from({ length: 10 }, () => newScan({ requesterKey: 'rk-3' }));
    const settled = await Promise.allSettled(racers.map((r) => store.createScan(r)));
    assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of settled) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof ScanConflictError && r.reason.conflict === 'active_scan');
      }
    }
    assert.equal(await store.countActiveScans(), 3);
  });

  await t.test('failUnfinishedScans fails queued and running scans, nothing else', async (t) => {
    const { store } = await target.fresh(t);
    const queued = newScan();
    const running = newScan();
    const done = newScan();
    for (const s of [queued, running, done]) await store.createScan(s);
    await store.markRunning(running.id, T0 + 1);
    await store.appendResult(running.id, result(22));
    await store.markRunning(done.id, T0 + 1);
    await store.finishScan(done.id, { status: 'done', verdict: 'safe', finishedAt: T0 + 2 });

    const now = T0 + 60_000;
    assert.equal(await store.failUnfinishedScans('interrupted', 'the server restarted', now), 2);
    for (const id of [queued.id, running.id]) {
      const got = await store.getScan(id);
      assert.equal(got?.status, 'failed');
      assert.deepEqual(got?.error, { code: 'interrupted', message: 'the server restarted' });
      assert.equal(got?.verdict, null);
      assert.equal(got?.finishedAt, now);
    }
    assert.equal((await store.getScan(running.id))?.results.length, 1, 'results are kept');
    const untouched = await store.getScan(done.id);
    assert.equal(untouched?.status, 'done');
    assert.equal(untouched?.finishedAt, T0 + 2);
    assert.equal(await store.countActiveScans(), 0);
    assert.equal(await store.failUnfinishedScans('interrupted', 'again', now + 1), 0);
  });

  await t.test(
    'failAbandonedScans fails old active scans not held by a job, nothing else',
    async (t) => {
      const { store } = await target.fresh(t);
      const abandoned = newScan({ createdAt: T0 });
      const live = newScan({ createdAt: T0 });
      const young = newScan({ createdAt: T0 + 50_000 });
      const done = newScan({ createdAt: T0 });
      for (const s of [abandoned, live, young, done]) await store.createScan(s);
      await store.markRunning(abandoned.id, T0 + 1);
      await store.markRunning(done.id, T0 + 1);
      await store.finishScan(done.id, { status: 'done', verdict: 'safe', finishedAt: T0 + 2 });
      const error = { code: 'interrupted', message: 'the job stopped' };
      assert.deepEqual(await store.failAbandonedScans([live.id], T0 + 10_000, error, T0 + 60_000), [
        abandoned.id,
      ]);
      assert.equal((await store.getScan(abandoned.id))?.status, 'failed');
      assert.deepEqual((await store.getScan(abandoned.id))?.error, error);
      assert.equal((await store.getScan(live.id))?.status, 'queued');
      assert.equal((await store.getScan(young.id))?.status, 'queued');
      assert.equal((await store.getScan(done.id))?.status, 'done');
      assert.deepEqual(await store.failAbandonedScans([], T0 + 10_000, error, T0 + 60_000), [
        live.id,
      ]);
    },
  );

  await t.test(
    'a consent covers only its scopes: missing_scope before used, nothing spent',
    async (t) => {
      const { store } = await target.fresh(t);
      const tcpOnly = newConsent({ expiresAt: T0 + 10_000 });
      const withUdp = {
        ...newConsent({ expiresAt: T0 + 10_000 }),
        scopes: ['tcp', 'udp'] as const,
      };
      await store.createConsent(tcpOnly);
      await store.createConsent(withUdp);
      const check = (c: { tokenHash: string }, scopes: ('tcp' | 'udp' | 'identify')[]) =>
        store.checkConsent(c.tokenHash, 'rk-alice', null, T0, scopes);
      assert.equal(await check(tcpOnly, ['tcp']), 'ok');
      assert.equal(await check(tcpOnly, ['tcp', 'udp']), 'missing_scope');
      assert.equal(await check(withUdp, ['tcp', 'udp']), 'ok');
      assert.equal(await check(withUdp, ['tcp', 'identify']), 'missing_scope');
      // the wrong requester learns nothing about the scopes
      assert.equal(
        await store.checkConsent(tcpOnly.tokenHash, 'rk-mallory', null, T0, ['udp']),
        'wrong_requester',
      );
      // a refused use spends nothing
      assert.equal(
        await store.consumeConsent(tcpOnly.tokenHash, 'rk-alice', null, T0 + 1, [
          'tcp',
          'identify',
        ]),
        'missing_scope',
      );
      assert.equal(await store.consumeConsent(tcpOnly.tokenHash, 'rk-alice', null, T0 + 2), 'ok');
      assert.equal(
        await store.consumeConsent(withUdp.tokenHash, 'rk-alice', null, T0 + 3, ['udp']),
        'ok',
      );
      assert.equal(await check(withUdp, ['udp']), 'used');
    },
  );

  await t.test('deleteUnusedConsents removes expired unused tokens only', async (t) => {
    const { store } = await target.fresh(t);
    const expired = newConsent({ expiresAt: T0 + 100 });
    const valid = newConsent({ expiresAt: T0 + 10_000 });
    const spent = newConsent({ expiresAt: T0 + 100 });
    for (const c of [expired, valid, spent]) await store.createConsent(c);
    assert.equal(await store.consumeConsent(spent.tokenHash, 'rk-alice', null, T0 + 50), 'ok');
    assert.equal(await store.deleteUnusedConsents(T0 + 1000), 1);
    assert.equal(await store.checkConsent(expired.tokenHash, 'rk-alice', null, T0), 'unknown');
    assert.equal(await store.checkConsent(valid.tokenHash, 'rk-alice', null, T0), 'ok');
    assert.equal(await store.checkConsent(spent.tokenHash, 'rk-alice', null, T0), 'used');
  });

  await t.test(
    'takeRateLimit: all or nothing, windows restart, concurrent takes never overshoot',
    async (t) => {
      const { store } = await target.fresh(t);
      const W = 3_600_000;
      const buckets = [
        { key: 'scan:a:x', max: 5 },
        { key: 'scan:n:net', max: 2 },
      ];
      assert.deepEqual(await store.takeRateLimit(buckets, W, T0), { allowed: true });
      assert.deepEqual(await store.takeRateLimit(buckets, W, T0 + 10), { allowed: true });
      const refused = await store.takeRateLimit(buckets, W, T0 + 1000);
      assert.deepEqual(refused, { allowed: false, retryAfterMs: W - 1000 });
      // the refused take counted nowhere: the address bucket still has 3 left for other networks
      const other = [
        { key: 'scan:a:x', max: 5 },
        { key: 'scan:n:other', max: 2 },
      ];
      assert.deepEqual(await store.takeRateLimit(other, W, T0 + 2000), { allowed: true });
      assert.deepEqual(await store.takeRateLimit(other, W, T0 + 2000), { allowed: true });
      assert.deepEqual(await store.takeRateLimit([{ key: 'scan:a:x', max: 5 }], W, T0 + 2000), {
        allowed: true,
      });
      assert.equal(
        (await store.takeRateLimit([{ key: 'scan:a:x', max: 5 }], W, T0 + 2000)).allowed,
        false,
      );
      // a new window after an hour
      assert.deepEqual(await store.takeRateLimit(buckets, W, T0 + W), { allowed: true });
      // concurrent takes of one slot-limited key: exactly max succeed
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => store.takeRateLimit([{ key: 'race', max: 7 }], W, T0)),
      );
      assert.equal(outcomes.filter((o) => o.allowed).length, 7);
      // only "race" (started at T0) has ended; the others started later or restarted at T0 + W
      assert.equal(await store.deleteExpiredRateLimits(W, T0 + W + 1), 1);
    },
  );

  await t.test(
    'deleteScansBefore removes old scans (with results) and expired consents',
    async (t) => {
      const { store, db } = await target.fresh(t);
      const old1 = newScan({ createdAt: T0 });
      const old2 = newScan({ createdAt: T0 + 100 });
      const edge = newScan({ createdAt: T0 + 200 });
      const young = newScan({ createdAt: T0 + 300 });
      for (const s of [old1, old2, edge, young]) await store.createScan(s);
      await store.appendResult(old1.id, result(22));
      const stale = newConsent({ expiresAt: T0 + 150 });
      const fresh = newConsent({ expiresAt: T0 + 250 });
      await store.createConsent(stale);
      await store.createConsent(fresh);

      assert.equal(await store.deleteScansBefore(T0 + 200), 2);
      assert.equal(await store.getScan(old1.id), undefined);
      assert.equal(await store.getScan(old2.id), undefined);
      assert.equal(await rowCount(db, 'scan_results', old1.id), 0);
      assert.ok(await store.getScan(edge.id), 'created exactly at the cutoff: kept');
      assert.ok(await store.getScan(young.id));
      assert.equal(await store.checkConsent(stale.tokenHash, 'rk-alice', null, T0), 'unknown');
      assert.equal(await store.checkConsent(fresh.tokenHash, 'rk-alice', null, T0), 'ok');
      assert.equal(await store.deleteScansBefore(T0 + 200), 0);
    },
  );

  await t.test('consent: single use, expiry, requester and CSRF binding', async (t) => {
    const { store } = await target.fresh(t);
    const c = newConsent();
    await store.createConsent(c);
    const now = T0 + 1000;
    assert.equal(await store.checkConsent(c.tokenHash, c.requesterKey, null, now), 'ok');
    assert.equal(
      await store.checkConsent(c.tokenHash, c.requesterKey, null, now),
      'ok',
      'read-only',
    );
    assert.equal(await store.consumeConsent(c.tokenHash, c.requesterKey, null, now), 'ok');
    assert.equal(await store.consumeConsent(c.tokenHash, c.requesterKey, null, now), 'used');
    assert.equal(await store.checkConsent(c.tokenHash, c.requesterKey, null, now), 'used');

    assert.equal(await store.consumeConsent('th-nope', c.requesterKey, null, now), 'unknown');
    assert.equal(await store.checkConsent('th-nope', c.requesterKey, null, now), 'unknown');

    const e = newConsent({ expiresAt: T0 + 600_000 });
    await store.createConsent(e);
    assert.equal(
      await store.consumeConsent(e.tokenHash, e.requesterKey, null, T0 + 600_000),
      'expired',
    );
    assert.equal(await store.checkConsent(e.tokenHash, e.requesterKey, null, T0 + 599_999), 'ok');
    assert.equal(await store.consumeConsent(e.tokenHash, e.requesterKey, null, T0 + 599_999), 'ok');

    const w = newConsent();
    await store.createConsent(w);
    assert.equal(
      await store.consumeConsent(w.tokenHash, 'rk-mallory', null, now),
      'wrong_requester',
    );
    assert.equal(await store.checkConsent(w.tokenHash, 'rk-mallory', null, now), 'wrong_requester');
    assert.equal(await store.consumeConsent(w.tokenHash, w.requesterKey, null, now), 'ok');
    assert.equal(
      await store.consumeConsent(w.tokenHash, 'rk-mallory', null, now),
      'wrong_requester',
      'a stranger does not learn that the token was used',
    );

    const bound = newConsent({ csrfBinding: 'csrf-A' });
    await store.createConsent(bound);
    assert.equal(
      await store.consumeConsent(bound.tokenHash, bound.requesterKey, 'csrf-B', now),
      'wrong_requester',
    );
    assert.equal(
      await store.consumeConsent(bound.tokenHash, bound.requesterKey, null, now),
      'wrong_requester',
    );
    assert.equal(
      await store.checkConsent(bound.tokenHash, bound.requesterKey, 'csrf-B', now),
      'wrong_requester',
    );
    assert.equal(
      await store.consumeConsent(bound.tokenHash, bound.requesterKey, 'csrf-A', now),
      'ok',
    );

    const unbound = newConsent({ csrfBinding: null });
    await store.createConsent(unbound);
    assert.equal(
      await store.consumeConsent(unbound.tokenHash, unbound.requesterKey, 'csrf-any', now),
      'ok',
      'a token issued without a CSRF binding needs only the requester',
    );
  });

  await t.test('20 concurrent consumers of one token: exactly one ok', async (t) => {
    const { store } = await target.fresh(t);
    const c = newConsent({ csrfBinding: 'csrf-A' });
    await store.createConsent(c);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.consumeConsent(c.tokenHash, c.requesterKey, 'csrf-A', T0 + 1),
      ),
    );
    assert.equal(outcomes.filter((o) => o === 'ok').length, 1);
    assert.equal(outcomes.filter((o) => o === 'used').length, 19);
  });

  await t.test('createScan with a consent that is not valid writes nothing', async (t) => {
    const { store, db } = await target.fresh(t);
    const used = newConsent();
    const expired = newConsent({ expiresAt: T0 + 10 });
    const foreign = newConsent({ requesterKey: 'rk-bob' });
    const bound = newConsent({ csrfBinding: 'csrf-A' });
    for (const c of [used, expired, foreign, bound]) await store.createConsent(c);
    assert.equal(await store.consumeConsent(used.tokenHash, used.requesterKey, null, T0 + 1), 'ok');

    const cases = [
      { tokenHash: 'th-nope', csrfBinding: null, outcome: 'unknown' },
      { tokenHash: used.tokenHash, csrfBinding: null, outcome: 'used' },
      { tokenHash: expired.tokenHash, csrfBinding: null, outcome: 'expired' },
      { tokenHash: foreign.tokenHash, csrfBinding: null, outcome: 'wrong_requester' },
      { tokenHash: bound.tokenHash, csrfBinding: 'csrf-B', outcome: 'wrong_requester' },
    ] as const;
    for (const k of cases) {
      const s = newScan({ requesterKey: 'rk-alice' });
      await assert.rejects(
        store.createScan(s, {
          consumeConsent: {
            tokenHash: k.tokenHash,
            requesterKey: 'rk-alice',
            csrfBinding: k.csrfBinding,
            now: T0 + 100,
          },
        }),
        (e) => e instanceof ConsentError && e.outcome === k.outcome,
      );
      assert.equal(await store.getScan(s.id), undefined);
      assert.equal(await rowCount(db, 'scan_ports', s.id), 0);
    }
    assert.equal(await store.countActiveScans(), 0);
    assert.equal(await store.activeScanFor('rk-alice'), undefined);
    assert.equal(
      await store.checkConsent(bound.tokenHash, bound.requesterKey, 'csrf-A', T0 + 100),
      'ok',
    );
  });

  await t.test('createScan that fails leaves the consent unused; success spends it', async (t) => {
    const { store, db } = await target.fresh(t);
    const taken = newScan({ requesterKey: 'rk-someone-else' });
    await store.createScan(taken);
    const c = newConsent({ requesterKey: 'rk-alice', csrfBinding: 'csrf-A' });
    await store.createConsent(c);
    const use = {
      tokenHash: c.tokenHash,
      requesterKey: 'rk-alice',
      csrfBinding: 'csrf-A',
      now: T0 + 5,
    };

    await assert.rejects(
      store.createScan(newScan({ id: taken.id, requesterKey: 'rk-alice' }), {
        consumeConsent: use,
      }),
      (e) => e instanceof ScanConflictError && e.conflict === 'duplicate_id',
    );
    assert.equal(await store.checkConsent(c.tokenHash, 'rk-alice', 'csrf-A', T0 + 5), 'ok');
    assert.equal(await store.activeScanFor('rk-alice'), undefined);

    const s = newScan({ requesterKey: 'rk-alice' });
    await store.createScan(s, { consumeConsent: use });
    assert.equal((await store.getScan(s.id))?.status, 'queued');
    assert.equal(await store.checkConsent(c.tokenHash, 'rk-alice', 'csrf-A', T0 + 6), 'used');
    const row = await db
      .selectFrom('consents')
      .select(['scan_id', 'used_at'])
      .where('token_hash', '=', c.tokenHash)
      .executeTakeFirstOrThrow();
    assert.equal(row.scan_id, s.id);
    assert.equal(Number(row.used_at), T0 + 5);
    // A form submitted twice finds the scan its token started, only for the same requester.
    assert.equal(await store.scanForConsent(c.tokenHash, 'rk-alice'), s.id);
    assert.equal(await store.scanForConsent(c.tokenHash, 'rk-bob'), undefined);
    assert.equal(await store.scanForConsent('no-such-token', 'rk-alice'), undefined);

    // The same token replayed by concurrent requests: exactly one scan is accepted.
    const c2 = newConsent({ requesterKey: 'rk-carol' });
    await store.createConsent(c2);
    const racers = Array.from({ length: 10 }, () => newScan({ requesterKey: 'rk-carol' }));
    const settled = await Promise.allSettled(
      racers.map((r) =>
        store.createScan(r, {
          consumeConsent: {
            tokenHash: c2.tokenHash,
            requesterKey: 'rk-carol',
            csrfBinding: null,
            now: T0 + 7,
          },
        }),
      ),
    );
    assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of settled) {
      if (r.status === 'rejected') {
        assert.ok(
          (r.reason instanceof ConsentError && r.reason.outcome === 'used') ||
            (r.reason instanceof ScanConflictError && r.reason.conflict === 'active_scan'),
          String(r.reason),
        );
      }
    }
    const winner = racers[settled.findIndex((r) => r.status === 'fulfilled')];
    assert.deepEqual(await store.activeScanFor('rk-carol'), { id: winner?.id });
  });

  await t.test('migrations: a second run is a no-op; ping answers', async (t) => {
    const { store, db, migrated } = await target.fresh(t);
    assert.deepEqual(migrated, MIGRATIONS);
    assert.deepEqual(await migrateToLatest(db), []);
    assert.deepEqual(await migrateToLatest(db), []);
    await store.ping();
    const s = newScan();
    await store.createScan(s);
    assert.equal((await store.getScan(s.id))?.id, s.id);
    // A second database beside a migrated one (on PostgreSQL: another schema, same server) is
    // migrated on its own, not mistaken for the first.
    const second = await target.fresh(t);
    assert.deepEqual(second.migrated, MIGRATIONS);
    await second.store.createScan(newScan());
    assert.equal(await second.store.countActiveScans(), 1);
  });
}

// ---------------------------------------------------------------------------------------------
// openDatabase specifics

test('openDatabase: sqlite file gets WAL, foreign keys, NORMAL sync, busy timeout; folder created', async () => {
  const path = join(tempDir, 'nested', 'deeper', 'x.db');
  const opened = await openDatabase(`sqlite:${path}`);
  try {
    assert.equal(opened.dialect, 'sqlite');
    assert.ok(existsSync(path));
    const pragma = async (name: string) =>
      Object.values(
        (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(opened.db)).rows[0] ?? {},
      )[0];
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('foreign_keys'), 1);
    assert.equal(await pragma('synchronous'), 1);
    assert.ok(Number(await pragma('busy_timeout')) >= 1000);
  } finally {
    await opened.close();
    await opened.close();
  }
});

test('openDatabase: sqlite::memory: works and closes cleanly', async () => {
  const opened = await openDatabase('sqlite::memory:');
  const store = new KyselyStore(opened.db);
  await migrateToLatest(opened.db);
  await store.createScan(newScan());
  assert.equal(await store.countActiveScans(), 1);
  await store.close();
  await opened.close();
});

test('openDatabase: refuses unknown schemes without echoing the URL', async () => {
  await assert.rejects(openDatabase('mysql://root:hunter2@db/x'), (e) => {
    assert.ok(e instanceof Error);
    assert.doesNotMatch(e.message, /hunter2/);
    return true;
  });
  await assert.rejects(openDatabase('sqlite:'), /sqlite/);
});
