// Findings of a diagnosis (issue 16: UDP answers and service identification): one row per
// (port, protocol, finding id), its severity and its detail as JSON text. Deleted with the scan.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scan_findings')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scan_findings_pkey', ['scan_id', 'port', 'protocol', 'finding_id'])
    .addForeignKeyConstraint('scan_findings_scan_id_fkey', ['scan_id'], 'scans', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scan_findings').execute();
}
