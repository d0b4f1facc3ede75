// The statistics aggregates (migrations/006-stats.ts) against a recount of the raw rows, after a
// randomised batch of diagnoses finished every way a scan can finish (finishScan done/failed,
// the reconciler's failAbandonedScans, the start-up failUnfinishedScans, results stored after
// the finish), on SQLite and PostgreSQL. Then retention: scans go, the counts stay.
// SELFSCAN_TEST_SEED=<n> replays one batch.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import type { PortState } from '../../src/core/port-state.js';
import { dayOf, weekOf } from '../../src/core/stats-calendar.js';
import type { NewScan, StatsCounts } from '../../src/store/store.js';
import {
  freshPostgresStore,
  freshSqliteStore,
  type StoreHarness,
} from '../helpers/store-targets.js';

const DAY = 86_400_000;
/** Monday 2026-01-05 00:00 UTC. */
const T0 = Date.parse('2026-01-05T00:00:00Z');
const STATES: PortState[] = ['open', 'closed', 'filtered', 'error'];
const PORTS = [22, 23, 139, 445, 3389, 8080];
const CLASSES = ['global', 'private', 'loopback'];

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let codeNo = 0;
function newScan(rand: () => number, createdAt: number): NewScan {
  const id = randomBytes(16).toString('base64url');
  const ports = PORTS.filter(() => rand() < 0.8).map((port) => ({
    port,
    protocol: 'tcp' as const,
  }));
  if (ports.length === 0) ports.push({ port: 445, protocol: 'tcp' });
  const family = rand() < 0.3 ? 6 : 4;
  return {
    id,
    code: `S${(++codeNo).toString().padStart(7, '0')}`,
    requesterKey: `rk-${id}`,
    address: family === 4 ? '203.0.113.x' : '2001:db8:1::/48',
    addressHash: null,
    family,
    addressClass: CLASSES[Math.floor(rand() * CLASSES.length)] as string,
    ports,
    label: null,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'default',
    createdAt,
  };
}

/** The aggregates recomputed from scans and scan_results (finished scans only), by ISO week. */
async function recount(h: StoreHarness): Promise<StatsCounts> {
  const scans = await h.db
    .selectFrom('scans')
    .select(['id', 'status', 'verdict', 'family', 'finished_at'])
    .where('status', 'in', ['done', 'failed'])
    .execute();
  const byId = new Map(scans.map((s) => [s.id, s]));
  const results = await h.db
    .selectFrom('scan_results')
    .select(['scan_id', 'port', 'protocol', 'state'])
    .execute();
  const ports = new Map<string, StatsCounts['ports'][number]>();
  for (const r of results) {
    const s = byId.get(r.scan_id);
    if (s === undefined) continue;
    const week = weekOf(dayOf(Number(s.finished_at)));
    const key = `${week}|${r.port}|${r.protocol}|${r.state}|${s.family}`;
    const row = ports.get(key);
    if (row) row.n++;
    else
      ports.set(key, {
        week,
        port: r.port,
        protocol: r.protocol as 'tcp',
        state: r.state as PortState,
        family: s.family === 6 ? 6 : 4,
        n: 1,
      });
  }
  const diagnoses = new Map<string, StatsCounts['diagnoses'][number]>();
  for (const s of scans) {
    const week = weekOf(dayOf(Number(s.finished_at)));
    const outcome = (s.verdict ?? 'failed') as 'failed';
    const key = `${week}|${outcome}|${s.family}`;
    const row = diagnoses.get(key);
    if (row) row.n++;
    else diagnoses.set(key, { week, outcome, family: s.family === 6 ? 6 : 4, n: 1 });
  }
  return { ports: [...ports.values()], diagnoses: [...diagnoses.values()] };
}

function sorted(c: StatsCounts): StatsCounts {
  const key = (o: object) => JSON.stringify(Object.values(o));
  return {
    ports: [...c.ports].sort((a, b) => key(a).localeCompare(key(b))),
    diagnoses: [...c.diagnoses].sort((a, b) => key(a).localeCompare(key(b))),
  };
}

async function randomisedBatch(t: TestContext, h: StoreHarness): Promise<void> {
  const seed = Number(process.env.SELFSCAN_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (SELFSCAN_TEST_SEED=${seed} replays it)`);
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const abandoned: string[] = [];
  const leftRunning: string[] = [];
  const lateResults: { id: string; port: number }[] = [];
  for (let i = 0; i < 90; i++) {
    // Finished over four weeks (and one scan finishing just before midnight UTC).
    const created = T0 + Math.floor(rand() * 28 * DAY) + (i === 0 ? DAY - 2 : 0);
    const scan = newScan(rand, created);
    await h.store.createScan(scan);
    await h.store.markRunning(scan.id, created);
    const planned = scan.ports.filter(() => rand() < 0.9);
    const results = planned.map((p) => ({
      port: p.port,
      protocol: p.protocol,
      state: pick(STATES),
      reason: 'refused' as const,
      ms: 1,
    }));
    const split = Math.floor(rand() * (results.length + 1));
    await h.store.appendResults(scan.id, results.slice(0, split));
    for (const r of results.slice(split)) await h.store.appendResult(scan.id, r);
    const how = rand();
    if (how < 0.6) {
      const verdict = pick(['exposed', 'incomplete', 'safe'] as const);
      assert.equal(
        await h.store.finishScan(scan.id, { status: 'done', verdict, finishedAt: created + 1 }),
        true,
      );
      // A second finish changes nothing (and counts nothing).
      assert.equal(
        await h.store.finishScan(scan.id, {
          status: 'failed',
          verdict: null,
          finishedAt: created + 2,
        }),
        false,
      );
    } else if (how < 0.75) {
      await h.store.finishScan(scan.id, {
        status: 'failed',
        verdict: null,
        error: { code: 'internal_error', message: 'x' },
        finishedAt: created + 1,
      });
    } else if (how < 0.9) abandoned.push(scan.id);
    else leftRunning.push(scan.id); // "live": failed by failUnfinishedScans below
    const missing = scan.ports.find((p) => !planned.includes(p));
    if (missing && rand() < 0.5) lateResults.push({ id: scan.id, port: missing.port });
  }
  const reconciled = await h.store.failAbandonedScans(
    leftRunning,
    T0 + 40 * DAY,
    { code: 'interrupted', message: 'x' },
    T0 + 29 * DAY,
  );
  assert.deepEqual(new Set(reconciled), new Set(abandoned));
  // One more still running at "restart", with a result.
  const last = newScan(rand, T0 + 29 * DAY);
  await h.store.createScan(last);
  await h.store.appendResults(last.id, [
    { port: last.ports[0]!.port, protocol: 'tcp', state: 'open', reason: 'syn-ack', ms: 2 },
  ]);
  assert.equal(
    await h.store.failUnfinishedScans('interrupted', 'x', T0 + 30 * DAY),
    leftRunning.length + 1,
  );
  // Results that arrive after their scan finished (its job was still running).
  for (const late of lateResults) {
    const r = { port: late.port, protocol: 'tcp' as const, state: 'open' as const };
    if (rand() < 0.5) await h.store.appendResult(late.id, { ...r, reason: 'syn-ack', ms: 1 });
    else await h.store.appendResults(late.id, [{ ...r, reason: 'syn-ack', ms: 1 }]);
  }
  // One scan never finished: not counted.
  const running = newScan(rand, T0 + 10 * DAY);
  await h.store.createScan(running);
  await h.store.appendResults(running.id, [
    { port: running.ports[0]!.port, protocol: 'tcp', state: 'open', reason: 'syn-ack', ms: 2 },
  ]);
}

async function body(t: TestContext, h: StoreHarness) {
  await randomisedBatch(t, h);
  const from = '2025-12-01';
  const to = '2026-03-01';
  const expected = sorted(await recount(h));
  const counted = sorted(await h.store.statsCounts(from, to));
  assert.ok(expected.ports.length > 20 && expected.diagnoses.length > 10);
  assert.deepEqual(counted, expected);
  const total = (c: StatsCounts) => c.diagnoses.reduce((sum, d) => sum + d.n, 0);
  assert.equal(total(counted), 91); // 90 + the one failed at restart; the running one is not
  // A narrower range is a subset (days outside are not summed in).
  const firstWeek = sorted(await h.store.statsCounts('2026-01-05', '2026-01-11'));
  assert.deepEqual(
    firstWeek.diagnoses,
    expected.diagnoses.filter((d) => d.week === '2026-01-05'),
  );

  // No address, prefix, hash, id or label in any aggregate row.
  const rows = [
    ...(await h.db.selectFrom('stats_port_daily').selectAll().execute()),
    ...(await h.db.selectFrom('stats_diagnosis_daily').selectAll().execute()),
  ];
  const text = JSON.stringify(rows);
  assert.doesNotMatch(text, /203\.0\.113|2001:db8|rk-|"id"/);

  // Retention: every scan created before the cutoff goes (ports and results with it); the rest
  // and every count stay.
  const cutoff = T0 + 14 * DAY;
  const before = await h.db
    .selectFrom('scans')
    .select('id')
    .where('created_at', '<', cutoff)
    .execute();
  const kept = await h.db
    .selectFrom('scans')
    .select('id')
    .where('created_at', '>=', cutoff)
    .execute();
  assert.ok(before.length > 0 && kept.length > 0);
  assert.equal(await h.store.deleteScansBefore(cutoff), before.length);
  const left = await h.db.selectFrom('scans').select('id').execute();
  assert.deepEqual(new Set(left.map((r) => r.id)), new Set(kept.map((r) => r.id)));
  const orphanResults = await h.db
    .selectFrom('scan_results')
    .select('scan_id')
    .where(
      'scan_id',
      'in',
      before.map((r) => r.id),
    )
    .execute();
  assert.equal(orphanResults.length, 0);
  assert.deepEqual(sorted(await h.store.statsCounts(from, to)), counted);
}

test('stats aggregates equal a recount: sqlite', async (t) => {
  await body(t, await freshSqliteStore(t));
});

test('stats aggregates equal a recount: postgres', async (t) => {
  const h = await freshPostgresStore(t);
  if (h) await body(t, h);
});
