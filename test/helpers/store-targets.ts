// Fresh, migrated stores on every database the product supports, for tests that run one body
// against each: SQLite in a temp file and PostgreSQL (SELFSCAN_TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test, one fresh schema per test, dropped after it).
// PostgreSQL not answering skips loudly — except under CI=true, where it fails.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/store/db-schema.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open-database.js';

export const PG_URL =
  process.env.SELFSCAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface StoreHarness {
  store: KyselyStore;
  db: Kysely<Database>;
  /** The SQLite file, when the target is SQLite. */
  file?: string;
}

/** A fresh migrated SQLite store in a temp file, closed and removed after the test. */
export async function freshSqliteStore(t: TestContext): Promise<StoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-stats-'));
  const file = join(dir, 'selfscan.db');
  const opened = await openDatabase(`sqlite:${file}`);
  const store = new KyselyStore(opened.db);
  t.after(async () => {
    await store.close();
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await migrateToLatest(opened.db);
  return { store, db: opened.db, file };
}

/** A fresh migrated PostgreSQL store in its own schema; undefined (after a loud SKIPPED line, or
 *  a failure under CI=true) when PostgreSQL does not answer. */
export async function freshPostgresStore(t: TestContext): Promise<StoreHarness | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
    await admin.query('select 1');
  } catch (err) {
    await admin.end().catch(() => {});
    const why = `PostgreSQL at ${new URL(PG_URL).host} did not answer (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
    process.stderr.write(`\n!!!!! POSTGRES SKIPPED: ${why} !!!!!\n\n`);
    t.skip(`POSTGRES SKIPPED: ${why}`);
    return undefined;
  }
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
    await admin.end();
  });
  await migrateToLatest(opened.db);
  return { store, db: opened.db };
}
