// OrgStore over Kysely, for SQLite and PostgreSQL (the same database as KyselyStore). Every
// organisation-scoped query filters by org_id in SQL (tenant isolation); single-use tokens are
// spent by conditional UPDATEs; the outbox is claimed row by row with a conditional UPDATE, so
// two dispatchers never take the same delivery.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { PortResult, Verdict } from '../core/port-state.js';
import type {
  AccountsTable,
  Database,
  OrgLinksTable,
  OrgsTable,
  OrgTokensTable,
} from './db-schema.js';
import {
  type Account,
  type Delivery,
  type DeliveryStatus,
  type DiagnosisFilter,
  type DiagnosisRow,
  DuplicateAccountError,
  type LabelMode,
  type NewAccount,
  type NewDelivery,
  type Org,
  type OrgLink,
  type OrgSettings,
  type OrgStore,
  type OrgToken,
  type PortSummaryRow,
  type Role,
  type TokenKind,
  type WebhookFormat,
} from './org-store.js';
import type { ScanRecord, ScanStatus } from './store.js';

const DAY_MS = 86_400_000;
/** A session's last_seen is written at most this often (reads stay reads). */
const TOUCH_EVERY_MS = 60_000;

const toMs = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const toMsOrNull = (v: number | string | null): number | null => (v === null ? null : toMs(v));

export class KyselyOrgStore implements OrgStore {
  readonly #db: Kysely<Database>;
  readonly #getScan: (id: string) => Promise<ScanRecord | undefined>;

  constructor(db: Kysely<Database>, getScan: (id: string) => Promise<ScanRecord | undefined>) {
    this.#db = db;
    this.#getScan = getScan;
  }

  // --- accounts and sessions -------------------------------------------------------------------

  async createAccount(a: NewAccount): Promise<void> {
    try {
      await this.#db
        .insertInto('accounts')
        .values({
          id: a.id,
          email: a.email.toLowerCase(),
          password_hash: a.passwordHash,
          role: a.role,
          org_id: a.orgId,
          totp_secret: null,
          totp_enabled: 0,
          created_at: a.createdAt,
        })
        .execute();
    } catch (err) {
      const e = err as { code?: string; message?: string; constraint?: string };
      if (
        (e.code === '23505' && e.constraint === 'accounts_email_key') ||
        (e.code?.startsWith('SQLITE_CONSTRAINT') && /accounts\.email/.test(e.message ?? ''))
      )
        throw new DuplicateAccountError({ cause: err });
      throw err;
    }
  }

  async accountByEmail(email: string): Promise<Account | undefined> {
    const row = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && accountOf(row);
  }

  async accountById(id: string): Promise<Account | undefined> {
    const row = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && accountOf(row);
  }

  async setPassword(accountId: string, passwordHash: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('accounts')
        .set({ password_hash: passwordHash })
        .where('id', '=', accountId)
        .execute();
      await trx.deleteFrom('admin_sessions').where('account_id', '=', accountId).execute();
    });
  }

  async setTotp(accountId: string, secret: string | null, enabled: boolean): Promise<void> {
    await this.#db
      .updateTable('accounts')
      .set({ totp_secret: secret, totp_enabled: enabled ? 1 : 0 })
      .where('id', '=', accountId)
      .execute();
  }

  async listAccounts(orgId: string | null): Promise<Account[]> {
    let q = this.#db.selectFrom('accounts').selectAll().orderBy('email');
    q = orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', orgId);
    return (await q.execute()).map(accountOf);
  }

  async createSession(s: {
    tokenHash: string;
    accountId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    await this.#db
      .insertInto('admin_sessions')
      .values({
        token_hash: s.tokenHash,
        account_id: s.accountId,
        created_at: s.createdAt,
        last_seen_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async sessionAccount(
    tokenHash: string,
    now: number,
    idleMs: number,
  ): Promise<Account | undefined> {
    const row = await this.#db
      .selectFrom('admin_sessions as s')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .selectAll('a')
      .select(['s.last_seen_at', 's.expires_at'])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const lastSeen = toMs(row.last_seen_at);
    if (toMs(row.expires_at) <= now || lastSeen + idleMs <= now) return undefined;
    if (now - lastSeen >= TOUCH_EVERY_MS)
      await this.#db
        .updateTable('admin_sessions')
        .set({ last_seen_at: now })
        .where('token_hash', '=', tokenHash)
        .execute();
    return accountOf(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteSessionsBefore(now: number): Promise<number> {
    const r = await this.#db
      .deleteFrom('admin_sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    await this.#db.deleteFrom('password_resets').where('expires_at', '<=', now).execute();
    return Number(r.numDeletedRows);
  }

  async createPasswordReset(r: {
    tokenHash: string;
    accountId: string;
    expiresAt: number;
  }): Promise<void> {
    await this.#db
      .insertInto('password_resets')
      .values({
        token_hash: r.tokenHash,
        account_id: r.accountId,
        expires_at: r.expiresAt,
        used_at: null,
      })
      .execute();
  }

  async usePasswordReset(
    tokenHash: string,
    passwordHash: string,
    now: number,
  ): Promise<string | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const spent = await trx
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('account_id')
        .executeTakeFirst();
      if (!spent) return undefined;
      await trx
        .updateTable('accounts')
        .set({ password_hash: passwordHash })
        .where('id', '=', spent.account_id)
        .execute();
      await trx.deleteFrom('admin_sessions').where('account_id', '=', spent.account_id).execute();
      return spent.account_id;
    });
  }

  // --- organisations ---------------------------------------------------------------------------

  async createOrg(o: {
    id: string;
    name: string;
    webhookSecret: string;
    createdAt: number;
  }): Promise<void> {
    await this.#db
      .insertInto('orgs')
      .values({
        id: o.id,
        name: o.name,
        retention_days: null,
        webhook_url: null,
        webhook_secret: o.webhookSecret,
        alert_emails: null,
        created_at: o.createdAt,
      })
      .execute();
  }

  async listOrgs(): Promise<Org[]> {
    return (await this.#db.selectFrom('orgs').selectAll().orderBy('name').execute()).map(orgOf);
  }

  async getOrg(orgId: string): Promise<Org | undefined> {
    const row = await this.#db
      .selectFrom('orgs')
      .selectAll()
      .where('id', '=', orgId)
      .executeTakeFirst();
    return row && orgOf(row);
  }

  async updateOrgSettings(orgId: string, s: OrgSettings): Promise<boolean> {
    const r = await this.#db
      .updateTable('orgs')
      .set({
        retention_days: s.retentionDays,
        webhook_url: s.webhookUrl,
        webhook_format: s.webhookFormat,
        alert_emails: s.alertEmails.length > 0 ? s.alertEmails.join(',') : null,
        muted_ports: s.mutedPorts.join(','),
      })
      .where('id', '=', orgId)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async createLink(l: Omit<OrgLink, 'revokedAt'>): Promise<void> {
    await this.#db
      .insertInto('org_links')
      .values({
        id: l.id,
        org_id: l.orgId,
        token: l.token,
        name: l.name,
        label_mode: l.labelMode,
        expires_at: l.expiresAt,
        revoked_at: null,
        created_at: l.createdAt,
      })
      .execute();
  }

  async listLinks(orgId: string): Promise<OrgLink[]> {
    const rows = await this.#db
      .selectFrom('org_links')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(linkOf);
  }

  async revokeLink(orgId: string, linkId: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('org_links')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', linkId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async linkByToken(token: string, now: number): Promise<{ link: OrgLink; org: Org } | undefined> {
    const row = await this.#db
      .selectFrom('org_links')
      .selectAll()
      .where('token', '=', token)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const link = linkOf(row);
    if (link.expiresAt !== null && link.expiresAt <= now) return undefined;
    const org = await this.getOrg(link.orgId);
    return org && { link, org };
  }

  async createToken(
    t: Omit<OrgToken, 'revokedAt' | 'lastUsedAt'> & { tokenHash: string },
  ): Promise<void> {
    await this.#db
      .insertInto('org_tokens')
      .values({
        id: t.id,
        org_id: t.orgId,
        token_hash: t.tokenHash,
        name: t.name,
        kind: t.kind,
        revoked_at: null,
        last_used_at: null,
        created_at: t.createdAt,
      })
      .execute();
  }

  async listTokens(orgId: string): Promise<OrgToken[]> {
    const rows = await this.#db
      .selectFrom('org_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(tokenOf);
  }

  async revokeToken(orgId: string, tokenId: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('org_tokens')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', tokenId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async tokenByHash(tokenHash: string, now: number): Promise<OrgToken | undefined> {
    const row = await this.#db
      .selectFrom('org_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.#db
      .updateTable('org_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute();
    return tokenOf({ ...row, last_used_at: now });
  }

  // --- diagnoses of an organisation ------------------------------------------------------------

  async attachScan(a: {
    scanId: string;
    orgId: string;
    linkId: string | null;
    tokenId: string | null;
    createdAt: number;
  }): Promise<void> {
    await this.#db
      .insertInto('org_scans')
      .values({
        scan_id: a.scanId,
        org_id: a.orgId,
        link_id: a.linkId,
        token_id: a.tokenId,
        created_at: a.createdAt,
      })
      .execute();
  }

  async orgOfScan(scanId: string): Promise<{ orgId: string; linkId: string | null } | undefined> {
    const row = await this.#db
      .selectFrom('org_scans')
      .select(['org_id', 'link_id'])
      .where('scan_id', '=', scanId)
      .executeTakeFirst();
    return row && { orgId: row.org_id, linkId: row.link_id };
  }

  async listDiagnoses(orgId: string, filter: DiagnosisFilter = {}): Promise<DiagnosisRow[]> {
    let q = this.#db
      .selectFrom('org_scans as o')
      .innerJoin('scans as s', 's.id', 'o.scan_id')
      .leftJoin('org_links as l', (j) =>
        j.onRef('l.id', '=', 'o.link_id').onRef('l.org_id', '=', 'o.org_id'),
      )
      .leftJoin('org_tokens as t', (j) =>
        j.onRef('t.id', '=', 'o.token_id').onRef('t.org_id', '=', 'o.org_id'),
      )
      .select([
        's.id',
        's.code',
        's.created_at',
        's.finished_at',
        's.status',
        's.label',
        's.address',
        's.family',
        's.address_class',
        's.verdict',
        's.total',
        'l.name as link_name',
        't.name as token_name',
      ])
      .where('o.org_id', '=', orgId);
    q = applyFilter(q, filter);
    const rows = await q
      .orderBy('o.created_at', 'desc')
      .limit(filter.limit ?? 500)
      .execute();
    const open = await this.#openPorts(rows.map((r) => r.id));
    return rows.map(
      (r): DiagnosisRow => ({
        id: r.id,
        code: r.code,
        createdAt: toMs(r.created_at),
        finishedAt: toMsOrNull(r.finished_at),
        status: r.status as ScanStatus,
        label: r.label,
        address: r.address,
        family: r.family === 6 ? 6 : 4,
        addressClass: r.address_class,
        verdict: r.status === 'done' ? (r.verdict as Verdict | null) : null,
        total: r.total,
        openPorts: open.get(r.id) ?? [],
        via:
          r.link_name !== null
            ? { kind: 'link', name: r.link_name }
            : r.token_name !== null
              ? { kind: 'token', name: r.token_name }
              : null,
      }),
    );
  }

  async #openPorts(scanIds: readonly string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (let i = 0; i < scanIds.length; i += 500) {
      const chunk = scanIds.slice(i, i + 500);
      if (chunk.length === 0) break;
      const rows = await this.#db
        .selectFrom('scan_results')
        .select(['scan_id', 'port'])
        .where('scan_id', 'in', chunk)
        .where('state', '=', 'open')
        .orderBy('port')
        .execute();
      for (const r of rows) out.set(r.scan_id, [...(out.get(r.scan_id) ?? []), r.port]);
    }
    return out;
  }

  async getDiagnosis(orgId: string, scanId: string): Promise<ScanRecord | undefined> {
    const member = await this.#db
      .selectFrom('org_scans')
      .select('scan_id')
      .where('org_id', '=', orgId)
      .where('scan_id', '=', scanId)
      .executeTakeFirst();
    return member ? this.#getScan(scanId) : undefined;
  }

  async deleteDiagnosis(orgId: string, scanId: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('scans')
      .where('id', '=', scanId)
      .where('id', 'in', (eb) =>
        eb.selectFrom('org_scans').select('scan_id').where('org_id', '=', orgId),
      )
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async portSummary(orgId: string, filter: DiagnosisFilter = {}): Promise<PortSummaryRow[]> {
    const { port: _port, ...rest } = filter;
    let scans = this.#db
      .selectFrom('org_scans as o')
      .innerJoin('scans as s', 's.id', 'o.scan_id')
      .select('s.id')
      .where('o.org_id', '=', orgId)
      .where('s.status', '=', 'done');
    scans = applyFilter(scans, rest);
    const rows = await this.#db
      .selectFrom('scan_results as r')
      .select([
        'r.port',
        'r.protocol',
        sql<number | string>`count(*)`.as('tested'),
        sql<number | string>`sum(case when r.state = 'open' then 1 else 0 end)`.as('open'),
      ])
      .where('r.scan_id', 'in', scans)
      .groupBy(['r.port', 'r.protocol'])
      .orderBy(sql`sum(case when r.state = 'open' then 1 else 0 end)`, 'desc')
      .orderBy('r.port')
      .execute();
    return rows.map((r) => ({
      port: r.port,
      protocol: r.protocol,
      tested: Number(r.tested),
      open: Number(r.open),
    }));
  }

  async previousOpenPorts(
    orgId: string,
    label: string,
    before: number,
    exceptScanId: string,
  ): Promise<PortResult['port'][] | undefined> {
    const prev = await this.#db
      .selectFrom('org_scans as o')
      .innerJoin('scans as s', 's.id', 'o.scan_id')
      .select('s.id')
      .where('o.org_id', '=', orgId)
      .where('s.label', '=', label)
      .where('s.status', '=', 'done')
      .where('s.id', '!=', exceptScanId)
      .where('s.created_at', '<=', before)
      .orderBy('s.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!prev) return undefined;
    return (await this.#openPorts([prev.id])).get(prev.id) ?? [];
  }

  async purgeOrgDiagnoses(now: number): Promise<number> {
    const orgs = await this.#db
      .selectFrom('orgs')
      .select(['id', 'retention_days'])
      .where('retention_days', 'is not', null)
      .execute();
    let n = 0;
    for (const o of orgs) {
      const cutoff = now - (o.retention_days ?? 0) * DAY_MS;
      const r = await this.#db
        .deleteFrom('scans')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('org_scans')
            .select('scan_id')
            .where('org_id', '=', o.id)
            .where('created_at', '<', cutoff),
        )
        .executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  // --- the alert outbox ------------------------------------------------------------------------

  async enqueueDeliveries(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.#db
      .insertInto('alert_deliveries')
      .values(
        deliveries.map((d) => ({
          id: d.id,
          org_id: d.orgId,
          scan_id: d.scanId,
          channel: d.channel,
          target: d.target,
          payload: d.payload,
          status: 'pending',
          attempts: 0,
          next_attempt_at: d.createdAt,
          last_error: null,
          created_at: d.createdAt,
          delivered_at: null,
        })),
      )
      .execute();
  }

  async claimDueDeliveries(now: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    const due = await this.#db
      .selectFrom('alert_deliveries')
      .select('id')
      .where('status', 'in', ['pending', 'sending'])
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: Delivery[] = [];
    for (const { id } of due) {
      const row = await this.#db
        .updateTable('alert_deliveries')
        .set({ status: 'sending', next_attempt_at: now + leaseMs })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'sending'])
        .where('next_attempt_at', '<=', now)
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push(deliveryOf(row));
    }
    return claimed;
  }

  async markDelivered(id: string, now: number, attempts: number): Promise<void> {
    await this.#db
      .updateTable('alert_deliveries')
      .set({ status: 'delivered', delivered_at: now, attempts, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async markRetry(
    id: string,
    attempts: number,
    nextAttemptAt: number,
    error: string,
  ): Promise<void> {
    await this.#db
      .updateTable('alert_deliveries')
      .set({
        status: 'pending',
        attempts,
        next_attempt_at: nextAttemptAt,
        last_error: error.slice(0, 500),
      })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, attempts: number, error: string): Promise<void> {
    await this.#db
      .updateTable('alert_deliveries')
      .set({ status: 'failed', attempts, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }

  async listDeliveries(orgId: string, limit: number): Promise<Delivery[]> {
    const rows = await this.#db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(deliveryOf);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a query builder over scans `s` and org_scans `o`
function applyFilter<Q extends { where: (...args: any[]) => any }>(q: Q, f: DiagnosisFilter): Q {
  let out = q;
  if (f.exposedOnly) out = out.where('s.verdict', '=', 'exposed').where('s.status', '=', 'done');
  if (f.from !== undefined) out = out.where('o.created_at', '>=', f.from);
  if (f.to !== undefined) out = out.where('o.created_at', '<', f.to);
  if (f.port !== undefined) {
    const port = f.port;
    out = out.where(({ exists, selectFrom }: never) =>
      // biome-ignore lint/suspicious/noExplicitAny: see above
      (exists as any)(
        // biome-ignore lint/suspicious/noExplicitAny: see above
        (selectFrom as any)('scan_results as pr')
          .select('pr.seq')
          .whereRef('pr.scan_id', '=', 's.id')
          .where('pr.port', '=', port)
          .where('pr.state', '=', 'open'),
      ),
    );
  }
  return out;
}

function accountOf(r: Selectable<AccountsTable>): Account {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    role: r.role as Role,
    orgId: r.org_id,
    totpSecret: r.totp_secret,
    totpEnabled: Number(r.totp_enabled) === 1,
    createdAt: toMs(r.created_at),
  };
}

function orgOf(r: Selectable<OrgsTable>): Org {
  const list = (s: string | null) => (s ? s.split(',').filter((x) => x !== '') : []);
  return {
    id: r.id,
    name: r.name,
    retentionDays: r.retention_days,
    webhookUrl: r.webhook_url,
    webhookFormat: r.webhook_format as WebhookFormat,
    webhookSecret: r.webhook_secret,
    alertEmails: list(r.alert_emails),
    mutedPorts: list(r.muted_ports).map(Number),
    createdAt: toMs(r.created_at),
  };
}

function linkOf(r: Selectable<OrgLinksTable>): OrgLink {
  return {
    id: r.id,
    orgId: r.org_id,
    token: r.token,
    name: r.name,
    labelMode: r.label_mode as LabelMode,
    expiresAt: toMsOrNull(r.expires_at),
    revokedAt: toMsOrNull(r.revoked_at),
    createdAt: toMs(r.created_at),
  };
}

function tokenOf(r: Selectable<OrgTokensTable>): OrgToken {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    kind: r.kind as TokenKind,
    revokedAt: toMsOrNull(r.revoked_at),
    lastUsedAt: toMsOrNull(r.last_used_at),
    createdAt: toMs(r.created_at),
  };
}

function deliveryOf(r: Selectable<Database['alert_deliveries']>): Delivery {
  return {
    id: r.id,
    orgId: r.org_id,
    scanId: r.scan_id,
    channel: r.channel as Delivery['channel'],
    target: r.target,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: toMs(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: toMs(r.created_at),
    deliveredAt: toMsOrNull(r.delivered_at),
  };
}
