// Both stacks in one diagnosis (issue 15). A diagnosis with several targets is the requester's
// scan row plus one scan row per further address (a family ticket's), each pointing at the
// first with `diagnosis_id`; every row keeps its own requester_key, so the partial unique index
// of 001 holds "one active diagnosis" for every address a diagnosis covers. `context` is the
// address context shown with that target (JSON); `untested` (JSON, on the first row) lists the
// families the diagnosis could not test and why. `spent_tickets` makes a family ticket single
// use across processes: its id is inserted in the transaction that creates the scans.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').addColumn('diagnosis_id', 'text').execute();
  await db.schema.alterTable('scans').addColumn('context', 'text').execute();
  await db.schema.alterTable('scans').addColumn('untested', 'text').execute();
  await db.schema
    .createIndex('scans_diagnosis_id_idx')
    .on('scans')
    .column('diagnosis_id')
    .where(sql<boolean>`diagnosis_id is not null`)
    .execute();
  await db.schema
    .createTable('spent_tickets')
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('spent_tickets_pkey', ['ticket_id'])
    .execute();
  await db.schema
    .createIndex('spent_tickets_expires_at_idx')
    .on('spent_tickets')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('spent_tickets').execute();
  await db.schema.dropIndex('scans_diagnosis_id_idx').execute();
  await db.schema.alterTable('scans').dropColumn('untested').execute();
  await db.schema.alterTable('scans').dropColumn('context').execute();
  await db.schema.alterTable('scans').dropColumn('diagnosis_id').execute();
}
