// Scans, their planned ports, their results (one row per probed port, in arrival order) and
// single-use consent tokens. Written for both SQLite and PostgreSQL: text, integer and bigint
// only; epoch ms in bigint columns. Constraint names are fixed so errors can be recognised.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scans')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('requester_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('address_hash', 'text')
    .addColumn('family', 'integer', (c) => c.notNull())
    .addColumn('address_class', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text')
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('terms_version', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'text', (c) => c.notNull())
    .addColumn('vantage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('next_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('scans_pkey', ['id'])
    .addUniqueConstraint('scans_code_key', ['code'])
    .addCheckConstraint(
      'scans_status_check',
      sql`status in ('queued', 'running', 'done', 'failed')`,
    )
    .addCheckConstraint(
      'scans_verdict_check',
      sql`verdict is null or verdict in ('exposed', 'incomplete', 'safe')`,
    )
    .addCheckConstraint('scans_family_check', sql`family in (4, 6)`)
    .execute();
  await db.schema
    .createIndex('scans_requester_key_idx')
    .on('scans')
    .column('requester_key')
    .execute();
  // One active (queued or running) scan per requester, enforced by the database so two
  // concurrent requests cannot both pass the 409 check.
  await db.schema
    .createIndex('scans_one_active_per_requester')
    .on('scans')
    .column('requester_key')
    .unique()
    .where(sql<boolean>`status in ('queued', 'running')`)
    .execute();
  await db.schema.createIndex('scans_status_idx').on('scans').column('status').execute();
  await db.schema.createIndex('scans_created_at_idx').on('scans').column('created_at').execute();

  await db.schema
    .createTable('scan_ports')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scan_ports_pkey', ['scan_id', 'position'])
    .addUniqueConstraint('scan_ports_port_key', ['scan_id', 'port', 'protocol'])
    .addForeignKeyConstraint('scan_ports_scan_id_fkey', ['scan_id'], 'scans', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('scan_results')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('ms', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('scan_results_pkey', ['scan_id', 'seq'])
    .addUniqueConstraint('scan_results_port_key', ['scan_id', 'port', 'protocol'])
    .addForeignKeyConstraint('scan_results_scan_id_fkey', ['scan_id'], 'scans', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint(
      'scan_results_state_check',
      sql`state in ('open', 'closed', 'filtered', 'error')`,
    )
    .execute();

  await db.schema
    .createTable('consents')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('requester_key', 'text', (c) => c.notNull())
    .addColumn('csrf_binding', 'text')
    .addColumn('terms_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('scan_id', 'text')
    .addPrimaryKeyConstraint('consents_pkey', ['token_hash'])
    .addForeignKeyConstraint('consents_scan_id_fkey', ['scan_id'], 'scans', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await db.schema
    .createIndex('consents_expires_at_idx')
    .on('consents')
    .column('expires_at')
    .execute();
  // Deleting a scan sets consents.scan_id to null: without this index that is a full scan.
  await db.schema.createIndex('consents_scan_id_idx').on('consents').column('scan_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consents').execute();
  await db.schema.dropTable('scan_results').execute();
  await db.schema.dropTable('scan_ports').execute();
  await db.schema.dropTable('scans').execute();
}
