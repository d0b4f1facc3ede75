// Measures the result writer's batch size choice: 65 535 results through Store.appendResults in
// batches of N, on SQLite (temp file) and PostgreSQL (SELFSCAN_TEST_DATABASE_URL). Prints total
// time and the longest single write (SQLite writes block the event loop for that long).
// Usage: npx tsx scripts/measure-writer.ts [batch sizes…]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { KyselyStore } from '../src/store/kysely-store.js';
import { migrateToLatest } from '../src/store/migrations/index.js';
import { openDatabase } from '../src/store/open-database.js';

const sizes = process.argv.slice(2).map(Number);
const PG_URL = process.env.SELFSCAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = 65_535;
const dir = mkdtempSync(join(tmpdir(), 'selfscan-writer-'));

async function run(name: string, url: string, batch: number) {
  const opened = await openDatabase(url);
  await migrateToLatest(opened.db);
  const store = new KyselyStore(opened.db);
  const id = randomBytes(12).toString('base64url');
  await store.createScan({
    id,
    code: id.slice(0, 11),
    requesterKey: id,
    address: '127.0.0.1',
    addressHash: null,
    family: 4,
    addressClass: 'loopback',
    ports: Array.from({ length: N }, (_, i) => ({ port: i + 1, protocol: 'tcp' as const })),
    label: null,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'v',
    createdAt: Date.now(),
  });
  let longest = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i += batch) {
    const w0 = performance.now();
    await store.appendResults(
      id,
      Array.from({ length: Math.min(batch, N - i) }, (_, j) => ({
        port: i + j + 1,
        protocol: 'tcp' as const,
        state: 'closed' as const,
        reason: 'refused' as const,
        ms: 0,
      })),
    );
    longest = Math.max(longest, performance.now() - w0);
  }
  const total = performance.now() - t0;
  console.log(
    `${name.padEnd(8)} batch ${String(batch).padStart(5)}: ${N} results in ${total.toFixed(0)} ms, longest write ${longest.toFixed(1)} ms`,
  );
  await store.close();
  await opened.close();
}

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
try {
  for (const batch of sizes.length > 0 ? sizes : [1, 100, 500, 2000]) {
    await run('sqlite', `sqlite:${join(dir, `b${batch}`, 'selfscan.db')}`, batch);
    const schema = `m_${randomBytes(6).toString('hex')}`;
    await admin.query(`create schema ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    try {
      await run('postgres', url.toString(), batch);
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
    }
  }
} finally {
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
