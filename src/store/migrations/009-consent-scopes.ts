// What a consent allows (its scope): 'tcp' always; 'udp' and 'identify' only when the person
// ticked them. Space-separated words; consents given before this migration allowed TCP only.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('consents')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('tcp'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('consents').dropColumn('scopes').execute();
}
