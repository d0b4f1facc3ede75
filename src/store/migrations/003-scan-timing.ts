// What the scan's timing did (core/scan.ts ScanReport: window, send delay, slowdowns, re-probes,
// late answers, deadline), as JSON text; null for scans that never ran to the end.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').addColumn('timing', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').dropColumn('timing').execute();
}
