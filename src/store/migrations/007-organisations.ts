// Organisations (issue 11): accounts with server-side sessions, organisations, their diagnosis
// links and API tokens, which scans belong to which organisation, and the alert outbox. A scan's
// organisation lives in org_scans (not a column of scans), so deleting a scan, or the retention
// purge, takes its membership with it (ON DELETE CASCADE). Secrets (session, reset and API
// tokens) are stored as SHA-256 hashes only; diagnosis-link tokens are kept so the dashboard can
// show the link again (a link is handed to every employee; revoking it is the control).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** Days a diagnosis of this organisation is kept; null = SELFSCAN_RETENTION_DAYS. */
    .addColumn('retention_days', 'integer')
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_format', 'text', (c) => c.notNull().defaultTo('json'))
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    /** Comma-separated e-mail addresses for alerts; null = none. */
    .addColumn('alert_emails', 'text')
    /** Comma-separated TCP ports that never alert. */
    .addColumn('muted_ports', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('orgs_pkey', ['id'])
    .addCheckConstraint(
      'orgs_webhook_format_check',
      sql`webhook_format in ('json', 'slack', 'teams')`,
    )
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    /** scrypt$N$r$p$salt$hash; null until the person sets one through a reset link. */
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('accounts_pkey', ['id'])
    .addUniqueConstraint('accounts_email_key', ['email'])
    .addForeignKeyConstraint('accounts_org_id_fkey', ['org_id'], 'orgs', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint(
      'accounts_role_check',
      sql`(role = 'operator' and org_id is null) or (role = 'org_admin' and org_id is not null)`,
    )
    .execute();

  await db.schema
    .createTable('admin_sessions')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('admin_sessions_pkey', ['token_hash'])
    .addForeignKeyConstraint(
      'admin_sessions_account_id_fkey',
      ['account_id'],
      'accounts',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('admin_sessions_account_idx')
    .on('admin_sessions')
    .column('account_id')
    .execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('password_resets_pkey', ['token_hash'])
    .addForeignKeyConstraint(
      'password_resets_account_id_fkey',
      ['account_id'],
      'accounts',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('org_links')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** none | optional | required: the label field (device name, employee number). */
    .addColumn('label_mode', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_links_pkey', ['id'])
    .addUniqueConstraint('org_links_token_key', ['token'])
    .addForeignKeyConstraint('org_links_org_id_fkey', ['org_id'], 'orgs', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint(
      'org_links_label_mode_check',
      sql`label_mode in ('none', 'optional', 'required')`,
    )
    .execute();

  await db.schema
    .createTable('org_tokens')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** report: managed PCs start diagnoses; read: the JSON/CSV API. */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_tokens_pkey', ['id'])
    .addUniqueConstraint('org_tokens_token_hash_key', ['token_hash'])
    .addForeignKeyConstraint('org_tokens_org_id_fkey', ['org_id'], 'orgs', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('org_tokens_kind_check', sql`kind in ('report', 'read')`)
    .execute();

  await db.schema
    .createTable('org_scans')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text')
    .addColumn('token_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_scans_pkey', ['scan_id'])
    .addForeignKeyConstraint('org_scans_scan_id_fkey', ['scan_id'], 'scans', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('org_scans_org_id_fkey', ['org_id'], 'orgs', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('org_scans_org_created_idx')
    .on('org_scans')
    .columns(['org_id', 'created_at'])
    .execute();

  // A consent given through an organisation's link (or made for its API token) records it: the
  // person was told the result goes to that organisation. createScan attaches the diagnosis.
  await db.schema.alterTable('consents').addColumn('org_id', 'text').execute();
  await db.schema.alterTable('consents').addColumn('org_link_id', 'text').execute();
  await db.schema.alterTable('consents').addColumn('org_token_id', 'text').execute();
  await db.schema.alterTable('consents').addColumn('org_label', 'text').execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('scan_id', 'text')
    /** webhook | email */
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    /** JSON of the alert (jobs/notify-org.ts AlertEvent). */
    .addColumn('payload', 'text', (c) => c.notNull())
    /** pending | sending | delivered | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addPrimaryKeyConstraint('alert_deliveries_pkey', ['id'])
    .addForeignKeyConstraint('alert_deliveries_org_id_fkey', ['org_id'], 'orgs', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint(
      'alert_deliveries_status_check',
      sql`status in ('pending', 'sending', 'delivered', 'failed')`,
    )
    .execute();
  await db.schema
    .createIndex('alert_deliveries_due_idx')
    .on('alert_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('alert_deliveries_org_idx')
    .on('alert_deliveries')
    .columns(['org_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['org_label', 'org_token_id', 'org_link_id', 'org_id'])
    await db.schema.alterTable('consents').dropColumn(column).execute();
  for (const table of [
    'alert_deliveries',
    'org_scans',
    'org_tokens',
    'org_links',
    'password_resets',
    'admin_sessions',
    'accounts',
    'orgs',
  ])
    await db.schema.dropTable(table).execute();
}
