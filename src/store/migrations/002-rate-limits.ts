// Rate-limit counters kept in the database (one row per key and window), so traffic from
// elsewhere cannot evict a live window the way a bounded in-memory map does; and a one-row table
// /readyz writes to, to prove the database still accepts writes.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pkey', ['key'])
    .execute();
  await db.schema
    .createIndex('rate_limits_window_start_idx')
    .on('rate_limits')
    .column('window_start')
    .execute();
  await db.schema
    .createTable('write_probe')
    .addColumn('id', 'integer', (c) => c.notNull())
    .addColumn('written_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('write_probe_pkey', ['id'])
    .execute();
  // Spent-or-not is part of every cleanup query of consents.
  await db.schema
    .createIndex('consents_unused_expires_idx')
    .on('consents')
    .columns(['used_at', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('consents_unused_expires_idx').execute();
  await db.schema.dropTable('write_probe').execute();
  await db.schema.dropTable('rate_limits').execute();
}
