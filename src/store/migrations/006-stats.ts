// Public statistics (issue 12): counts only, never an address, a prefix, a scan id or a label.
// Written in the same transaction as a diagnosis's finish (kysely-store.ts `addToStats`), so a
// page view never scans the raw tables. Retention deletes scans, never these rows.
//   stats_port_daily      one row per UTC day × port × protocol × state × address family ×
//                         address class: how many stored results had that state.
//   stats_diagnosis_daily one row per UTC day × outcome (exposed | incomplete | safe | failed) ×
//                         address family × address class: how many diagnoses finished.
// `week` (the Monday of the ISO week, UTC) depends on `day` only; it is stored so the page can
// group by week in plain SQL on both databases.
// Rows that existed before this migration are counted here once (by their finish day).
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stats_port_daily')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('week', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('family', 'integer', (c) => c.notNull())
    .addColumn('address_class', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_port_daily_pkey', [
      'day',
      'port',
      'protocol',
      'state',
      'family',
      'address_class',
    ])
    .execute();
  await db.schema
    .createIndex('stats_port_daily_week_idx')
    .on('stats_port_daily')
    .columns(['week', 'port'])
    .execute();
  await db.schema
    .createTable('stats_diagnosis_daily')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('week', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('family', 'integer', (c) => c.notNull())
    .addColumn('address_class', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_diagnosis_daily_pkey', [
      'day',
      'outcome',
      'family',
      'address_class',
    ])
    .execute();
  await db.schema
    .createIndex('stats_diagnosis_daily_week_idx')
    .on('stats_diagnosis_daily')
    .column('week')
    .execute();

  // Backfill from the diagnoses already finished.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const day = postgres
    ? sql`to_char(to_timestamp(s.finished_at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`
    : sql`strftime('%Y-%m-%d', s.finished_at / 1000, 'unixepoch')`;
  const week = postgres
    ? sql`to_char(date_trunc('week', to_timestamp(s.finished_at / 1000.0) at time zone 'UTC'), 'YYYY-MM-DD')`
    : sql`date(s.finished_at / 1000, 'unixepoch', 'weekday 0', '-6 days')`;
  await sql`insert into stats_diagnosis_daily (day, week, outcome, family, address_class, n)
    select ${day}, ${week}, coalesce(s.verdict, 'failed'), s.family, s.address_class, count(*)
    from scans s where s.status in ('done', 'failed') and s.finished_at is not null
    group by 1, 2, 3, 4, 5`.execute(db);
  await sql`insert into stats_port_daily (day, week, port, protocol, state, family, address_class, n)
    select ${day}, ${week}, r.port, r.protocol, r.state, s.family, s.address_class, count(*)
    from scan_results r join scans s on s.id = r.scan_id
    where s.status in ('done', 'failed') and s.finished_at is not null
    group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stats_diagnosis_daily').execute();
  await db.schema.dropTable('stats_port_daily').execute();
}
