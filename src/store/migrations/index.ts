// Every migration, listed statically (no directory scan: works from a bundle and from dist/).
// Names sort in execution order; never rename or edit one that has shipped — add a new one.
import { type Kysely, type Migration, Migrator, PostgresAdapter, sql } from 'kysely';
import * as initial from './001-initial.js';
import * as rateLimits from './002-rate-limits.js';
import * as scanTiming from './003-scan-timing.js';
import * as diagnosisTargets from './004-diagnosis-targets.js';
import * as findings from './005-findings.js';
import * as stats from './006-stats.js';
import * as organisations from './007-organisations.js';
import * as consentScopes from './009-consent-scopes.js';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '001-initial': initial,
  '002-rate-limits': rateLimits,
  '003-scan-timing': scanTiming,
  '004-diagnosis-targets': diagnosisTargets,
  '005-findings': findings,
  '006-stats': stats,
  '007-organisations': organisations,
  '009-consent-scopes': consentScopes,
});

/** Runs every pending migration; returns the names it ran (empty when already up to date).
 *  Throws on the first failure (that migration's transaction is rolled back where the
 *  dialect supports transactional DDL, as PostgreSQL and SQLite both do). */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // On PostgreSQL, Kysely looks for its bookkeeping tables in every schema unless told which
    // one: pin it to the connection's current schema (search_path), so another schema's
    // kysely_migration table (another app, or another test run) is never mistaken for ours.
    migrationTableSchema: await currentPostgresSchema(db),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const what = failed === undefined ? 'database migration' : `database migration ${failed}`;
    throw new Error(`${what} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentPostgresSchema<DB>(db: Kysely<DB>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    db,
  );
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no current schema (check search_path)');
  return schema;
}
