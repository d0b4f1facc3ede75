// The one Store implementation, for SQLite (better-sqlite3) and PostgreSQL (pg), over Kysely.
// Concurrency rules that hold on both:
// - appendResult and appendResults serialise on the scan row (an UPDATE takes its row lock on PostgreSQL; SQLite
//   has one writer), then reads, inserts and advances scans.next_seq in that transaction:
//   seq is gap-free per scan, and a repeated (port, protocol) returns the stored seq.
// - consent tokens are spent by a conditional UPDATE (… WHERE used_at IS NULL …): of
//   concurrent consumers exactly one sees an updated row.
// - one active scan per requester is a partial unique index, not a read-then-write check.
// - the statistics (stats_* tables) change only in the transaction that finishes a scan, or that
//   stores a result of an already finished one: they always equal a recount of the finished
//   scans' results (until retention deletes scans; the counts stay).
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Finding, FindingId, Severity } from '../core/findings.js';
import type { PortResult, PortState, Protocol, Reason, Verdict } from '../core/port-state.js';
import type { ScanReport } from '../core/scan.js';
import { dayOf, weekOf } from '../core/stats-calendar.js';
import type { Database, ScansTable } from './db-schema.js';
import { KyselyOrgStore } from './kysely-org-store.js';
import {
  CONSENT_SCOPES,
  ConsentError,
  type ConsentOutcome,
  type ConsentScope,
  type ConsentUse,
  type FinishScan,
  type NewConsent,
  type NewScan,
  type PlannedPort,
  type RateBucket,
  type RateOutcome,
  ScanConflictError,
  type ScanError,
  type ScanHeader,
  type ScanRecord,
  type ScanStatus,
  type StatsCounts,
  type StatsOutcome,
  type Store,
  type StoredResult,
  type TicketSpend,
  TicketSpentError,
  UnknownScanError,
  type UntestedTarget,
} from './store.js';

const ACTIVE: readonly ScanStatus[] = ['queued', 'running'];

/** Rows per multi-row INSERT (and ports per IN list): at most 7 columns × 500 = 3 500 bound
 *  parameters, far below SQLite's (32 766) and PostgreSQL's (65 535) limits. */
const INSERT_CHUNK = 500;

type Db = Kysely<Database> | Transaction<Database>;

export interface KyselyStoreOptions {
  /** Throws when the database file is gone, replaced or on a full disk (open-database.ts). */
  check?: () => void;
}

/** A refused rate-limit take: thrown inside the transaction so every increment rolls back. */
class RateRefused extends Error {
  constructor(readonly retryAfterMs: number) {
    super('rate limit exceeded');
  }
}

export class KyselyStore implements Store {
  readonly #db: Kysely<Database>;
  readonly #check: () => void;
  readonly orgs: KyselyOrgStore;

  constructor(db: Kysely<Database>, options: KyselyStoreOptions = {}) {
    this.#db = db;
    this.#check = options.check ?? (() => undefined);
    this.orgs = new KyselyOrgStore(db, (id) => this.getScan(id));
  }

  async createScan(
    s: NewScan,
    options: {
      consumeConsent?: ConsentUse;
      parts?: readonly NewScan[];
      spendTickets?: readonly TicketSpend[];
    } = {},
  ): Promise<void> {
    assertDistinctPorts(s.ports);
    this.#check(); // a scan written to a deleted file would be lost without an error
    try {
      await this.#db.transaction().execute(async (trx) => {
        await insertScanRow(trx, s);
        const consent = options.consumeConsent;
        if (consent !== undefined) {
          // Before the (possibly large) port list: a bad token fails fast. Throwing rolls the
          // scan row back; a failure after this point rolls the consumption back.
          const outcome = await consume(trx, consent, s.id);
          if (outcome !== 'ok') throw new ConsentError(outcome);
          await attachToConsentOrg(trx, consent.tokenHash, s);
        }
        for (const t of options.spendTickets ?? []) {
          const r = await trx
            .insertInto('spent_tickets')
            .values({ ticket_id: t.id, expires_at: t.expiresAt })
            .onConflict((oc) => oc.column('ticket_id').doNothing())
            .executeTakeFirst();
          if ((r.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new TicketSpentError();
        }
        await insertPorts(trx, s);
        for (const part of options.parts ?? []) {
          assertDistinctPorts(part.ports);
          await insertScanRow(trx, { ...part, diagnosisId: s.id });
          await insertPorts(trx, part);
        }
      });
    } catch (err) {
      const conflict = conflictOf(err);
      if (conflict !== undefined) throw new ScanConflictError(conflict, { cause: err });
      throw err;
    }
  }

  async diagnosisParts(id: string): Promise<ScanHeader[]> {
    const rows = await this.#db
      .selectFrom('scans')
      .selectAll()
      .where('diagnosis_id', '=', id)
      .orderBy('family')
      .orderBy('id')
      .execute();
    return rows.map(headerOf);
  }

  async spentTickets(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('spent_tickets')
      .select('ticket_id')
      .where('ticket_id', 'in', [...ids])
      .execute();
    return rows.map((r) => r.ticket_id);
  }

  async deleteExpiredTickets(now: number): Promise<number> {
    const r = await this.#db
      .deleteFrom('spent_tickets')
      .where('expires_at', '<', now)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async markRunning(id: string, startedAt: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('scans')
      .set({ status: 'running', started_at: sql<number>`coalesce(started_at, ${startedAt})` })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async appendResult(id: string, result: PortResult): Promise<number> {
    // Fast path for a retried job: no lock when the result is already there.
    const stored = await existingSeq(this.#db, id, result);
    if (stored !== undefined) return stored;
    return this.#db.transaction().execute(async (trx) => {
      // A no-op UPDATE locks the scan row until commit: appends to one scan run one at a time.
      const scan = await trx
        .updateTable('scans')
        .set((eb) => ({ next_seq: eb.ref('next_seq') }))
        .where('id', '=', id)
        .returning(['next_seq', ...LATE_COLUMNS])
        .executeTakeFirst();
      if (scan === undefined) throw new UnknownScanError();
      const again = await existingSeq(trx, id, result);
      if (again !== undefined) return again;
      const seq = scan.next_seq + 1;
      await countLateResults(trx, scan, [result]);
      await trx
        .insertInto('scan_results')
        .values({
          scan_id: id,
          seq,
          port: result.port,
          protocol: result.protocol,
          state: result.state,
          reason: result.reason,
          ms: result.ms,
        })
        .execute();
      await trx.updateTable('scans').set({ next_seq: seq }).where('id', '=', id).execute();
      return seq;
    });
  }

  async appendResults(id: string, results: readonly PortResult[]): Promise<StoredResult[]> {
    const batch = distinctResults(results);
    if (batch.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      // Reserves seq numbers for the whole batch and locks the scan row until commit, so
      // concurrent batches for one scan run one after the other.
      const scan = await trx
        .updateTable('scans')
        .set((eb) => ({ next_seq: eb('next_seq', '+', batch.length) }))
        .where('id', '=', id)
        .returning(['next_seq', ...LATE_COLUMNS])
        .executeTakeFirst();
      if (scan === undefined) throw new UnknownScanError();
      const base = scan.next_seq - batch.length;
      // next_seq counts the stored rows (gap-free), so with none stored there is nothing to skip.
      const fresh = base === 0 ? batch : await withoutStored(trx, id, batch);
      if (fresh.length < batch.length)
        await trx
          .updateTable('scans')
          .set({ next_seq: base + fresh.length })
          .where('id', '=', id)
          .execute();
      const stored = fresh.map((r, i): StoredResult => ({ ...resultOf(r), seq: base + i + 1 }));
      await countLateResults(trx, scan, fresh);
      for (let i = 0; i < stored.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('scan_results')
          .values(
            stored.slice(i, i + INSERT_CHUNK).map((r) => ({
              scan_id: id,
              seq: r.seq,
              port: r.port,
              protocol: r.protocol,
              state: r.state,
              reason: r.reason,
              ms: r.ms,
            })),
          )
          .execute();
      }
      return stored;
    });
  }

  async appendFindings(id: string, findings: readonly Finding[]): Promise<void> {
    if (findings.length === 0) return;
    const exists = await this.#db
      .selectFrom('scans')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (exists === undefined) throw new UnknownScanError();
    await this.#db
      .insertInto('scan_findings')
      .values(
        findings.map((f) => ({
          scan_id: id,
          port: f.port,
          protocol: f.protocol,
          finding_id: f.id,
          severity: f.severity,
          detail: JSON.stringify(f.detail),
        })),
      )
      .onConflict((oc) => oc.columns(['scan_id', 'port', 'protocol', 'finding_id']).doNothing())
      .execute();
  }

  async findingsOf(id: string): Promise<Finding[]> {
    const rows = await this.#db
      .selectFrom('scan_findings')
      .selectAll()
      .where('scan_id', '=', id)
      .orderBy('port')
      .orderBy('protocol')
      .orderBy('finding_id')
      .execute();
    return rows.map((r) => ({
      port: r.port,
      protocol: r.protocol as Protocol,
      id: r.finding_id as FindingId,
      severity: r.severity as Severity,
      detail: JSON.parse(r.detail) as Finding['detail'],
    }));
  }

  async finishScan(id: string, f: FinishScan): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('scans')
        .set({
          status: f.status,
          verdict: f.verdict,
          error_code: f.error?.code ?? null,
          error_message: f.error?.message ?? null,
          finished_at: f.finishedAt,
          ...(f.timing ? { timing: JSON.stringify(f.timing) } : {}),
        })
        .where('id', '=', id)
        .where('status', 'in', ACTIVE)
        .returning(['id', 'verdict', 'family', 'address_class'])
        .executeTakeFirst();
      if (row === undefined) return false;
      await addToStats(trx, [row], f.finishedAt);
      return true;
    });
  }

  async getScan(id: string): Promise<ScanRecord | undefined> {
    // The scan row first: a result committed before a finish is then always visible.
    const header = await this.getScanHeader(id);
    if (header === undefined) return undefined;
    const ports = await this.#db
      .selectFrom('scan_ports')
      .select(['port', 'protocol'])
      .where('scan_id', '=', id)
      .orderBy('position')
      .execute();
    const results = await this.resultsAfter(id, 0);
    const findings = await this.findingsOf(id);
    return {
      ...header,
      ports: ports.map((p): PlannedPort => ({ port: p.port, protocol: p.protocol as Protocol })),
      results,
      findings,
    };
  }

  async getScanHeader(id: string): Promise<ScanHeader | undefined> {
    const row = await this.#db
      .selectFrom('scans')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : headerOf(row);
  }

  async resultsAfter(id: string, afterSeq: number, limit?: number): Promise<StoredResult[]> {
    let query = this.#db
      .selectFrom('scan_results')
      .select(['seq', 'port', 'protocol', 'state', 'reason', 'ms'])
      .where('scan_id', '=', id)
      .where('seq', '>', afterSeq)
      .orderBy('seq');
    if (limit !== undefined) query = query.limit(limit);
    const rows = await query.execute();
    return rows.map((r) => ({
      seq: r.seq,
      port: r.port,
      protocol: r.protocol as Protocol,
      state: r.state as PortState,
      reason: r.reason as Reason,
      ms: r.ms,
    }));
  }

  async deleteScan(id: string): Promise<boolean> {
    // scan_ports and scan_results go by ON DELETE CASCADE; consents.scan_id by SET NULL.
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('scans').where('id', '=', id).executeTakeFirst();
      if (r.numDeletedRows === 0n) return false;
      await trx.deleteFrom('scans').where('diagnosis_id', '=', id).execute();
      return true;
    });
  }

  async activeScanFor(requesterKey: string): Promise<{ id: string } | undefined> {
    const row = await this.#db
      .selectFrom('scans')
      .select('id')
      .where('requester_key', '=', requesterKey)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return row === undefined ? undefined : { id: row.id };
  }

  async scanForConsent(tokenHash: string, requesterKey: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('consents')
      .select('scan_id')
      .where('token_hash', '=', tokenHash)
      .where('requester_key', '=', requesterKey)
      .executeTakeFirst();
    return row?.scan_id ?? undefined;
  }

  async countActiveScans(): Promise<number> {
    const row = await this.#db
      .selectFrom('scans')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', 'in', ACTIVE)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async failUnfinishedScans(code: string, message: string, now: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('scans')
        .set({
          status: 'failed',
          verdict: null,
          error_code: code,
          error_message: message,
          finished_at: now,
        })
        .where('status', 'in', ACTIVE)
        .returning(['id', 'verdict', 'family', 'address_class'])
        .execute();
      await addToStats(trx, rows, now);
      return rows.length;
    });
  }

  async failAbandonedScans(
    live: readonly string[],
    createdBefore: number,
    error: ScanError,
    now: number,
  ): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('scans')
        .select('id')
        .where('status', 'in', ACTIVE)
        .where('created_at', '<', createdBefore);
      if (live.length > 0) query = query.where('id', 'not in', live);
      const ids = (await query.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await trx
        .updateTable('scans')
        .set({
          status: 'failed',
          verdict: null,
          error_code: error.code,
          error_message: error.message,
          finished_at: now,
        })
        .where('id', 'in', ids)
        .where('status', 'in', ACTIVE)
        .returning(['id', 'verdict', 'family', 'address_class'])
        .execute();
      await addToStats(trx, rows, now);
      return ids;
    });
  }

  async deleteUnusedConsents(cutoff: number): Promise<number> {
    const r = await this.#db
      .deleteFrom('consents')
      .where('used_at', 'is', null)
      .where('expires_at', '<', cutoff)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async takeRateLimit(
    buckets: readonly RateBucket[],
    windowMs: number,
    now: number,
  ): Promise<RateOutcome> {
    const expired = now - windowMs;
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const bucket of buckets) {
          // One statement per bucket: a new key starts at 1, an ended window restarts at 1,
          // otherwise +1. The row lock (PostgreSQL) or the single writer (SQLite) orders
          // concurrent takes, so two requests cannot both see the last free slot.
          const row = await trx
            .insertInto('rate_limits')
            .values({ key: bucket.key, window_start: now, count: 1 })
            .onConflict((oc) =>
              oc.column('key').doUpdateSet({
                count: sql<number>`case when rate_limits.window_start <= ${expired} then 1 else rate_limits.count + 1 end`,
                window_start: sql<number>`case when rate_limits.window_start <= ${expired} then ${now} else rate_limits.window_start end`,
              }),
            )
            .returning(['count', 'window_start'])
            .executeTakeFirstOrThrow();
          if (row.count > bucket.max)
            throw new RateRefused(toMs(row.window_start) + windowMs - now);
        }
      });
      return { allowed: true };
    } catch (err) {
      if (err instanceof RateRefused) return { allowed: false, retryAfterMs: err.retryAfterMs };
      throw err;
    }
  }

  async deleteExpiredRateLimits(windowMs: number, now: number): Promise<number> {
    const r = await this.#db
      .deleteFrom('rate_limits')
      .where('window_start', '<=', now - windowMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async statsCounts(fromDay: string, toDay: string): Promise<StatsCounts> {
    const ports = await this.#db
      .selectFrom('stats_port_daily')
      .select(['week', 'port', 'protocol', 'state', 'family'])
      .select((eb) => eb.fn.sum<number | string>('n').as('n'))
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .groupBy(['week', 'port', 'protocol', 'state', 'family'])
      .execute();
    const diagnoses = await this.#db
      .selectFrom('stats_diagnosis_daily')
      .select(['week', 'outcome', 'family'])
      .select((eb) => eb.fn.sum<number | string>('n').as('n'))
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .groupBy(['week', 'outcome', 'family'])
      .execute();
    return {
      ports: ports.map((r) => ({
        week: r.week,
        port: r.port,
        protocol: r.protocol as Protocol,
        state: r.state as PortState,
        family: r.family === 6 ? 6 : 4,
        n: Number(r.n),
      })),
      diagnoses: diagnoses.map((r) => ({
        week: r.week,
        outcome: r.outcome as StatsOutcome,
        family: r.family === 6 ? 6 : 4,
        n: Number(r.n),
      })),
    };
  }

  async deleteScansBefore(cutoff: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('consents').where('expires_at', '<', cutoff).execute();
      const r = await trx
        .deleteFrom('scans')
        .where('created_at', '<', cutoff)
        // An organisation with its own retention purges its diagnoses itself.
        .where('id', 'not in', (eb) =>
          eb
            .selectFrom('org_scans')
            .innerJoin('orgs', 'orgs.id', 'org_scans.org_id')
            .select('org_scans.scan_id')
            .where('orgs.retention_days', 'is not', null),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  async createConsent(c: NewConsent): Promise<void> {
    this.#check();
    await this.#db
      .insertInto('consents')
      .values({
        token_hash: c.tokenHash,
        requester_key: c.requesterKey,
        csrf_binding: c.csrfBinding,
        terms_version: c.termsVersion,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
        used_at: null,
        scan_id: null,
        scopes: scopesText(c.scopes ?? ['tcp']),
        org_id: c.org?.orgId ?? null,
        org_link_id: c.org?.linkId ?? null,
        org_token_id: c.org?.tokenId ?? null,
        org_label: c.org?.label ?? null,
      })
      .execute();
  }

  consumeConsent(
    tokenHash: string,
    requesterKey: string,
    csrfBinding: string | null,
    now: number,
    scopes?: readonly ConsentScope[],
  ): Promise<ConsentOutcome> {
    return consume(
      this.#db,
      { tokenHash, requesterKey, csrfBinding, now, ...(scopes ? { scopes } : {}) },
      null,
    );
  }

  async checkConsent(
    tokenHash: string,
    requesterKey: string,
    csrfBinding: string | null,
    now: number,
    scopes?: readonly ConsentScope[],
  ): Promise<ConsentOutcome> {
    return classifyConsent(await readConsent(this.#db, tokenHash), {
      tokenHash,
      requesterKey,
      csrfBinding,
      now,
      ...(scopes ? { scopes } : {}),
    });
  }

  async ping(): Promise<void> {
    this.#check();
    // A write, not a read: a full disk or a read-only database still answers `select 1`.
    const now = Date.now();
    await this.#db
      .insertInto('write_probe')
      .values({ id: 1, written_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ written_at: now }))
      .execute();
  }

  close(): Promise<void> {
    return this.#db.destroy();
  }
}

/** Scopes as stored: 'tcp' first, then the others in CONSENT_SCOPES order, space-separated. */
function scopesText(scopes: readonly ConsentScope[]): string {
  return CONSENT_SCOPES.filter((s) => s === 'tcp' || scopes.includes(s)).join(' ');
}

/** Epoch ms from a bigint column: pg gives a string, better-sqlite3 a number. The one place
 *  where that difference is absorbed. */
function toMs(v: number | string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an epoch-ms value: ${String(v)}`);
  return n;
}

function toMsOrNull(v: number | string | null): number | null {
  return v === null ? null : toMs(v);
}

// ---------------------------------------------------------------------------------------------
// Statistics (migrations/006-stats.ts). Counted per stored result row, so whatever a result row
// gains later plugs in here: today a result's family and address class are its scan's; when a
// diagnosis covers an IPv4 and an IPv6 target (results with their own `family`), group by the
// result's family instead of `s.family`; UDP results count under protocol 'udp' as they are.
// HOOK (per finding id): once findings are stored, count them here in the same way, into a
// `stats_finding_daily` (day, week, finding_id, family, address_class, n) table.

interface FinishedRow {
  id: string;
  verdict: string | null;
  family: number;
  address_class: string;
}

/** Counts finished scans (all finished at `finishedAt`) and every result they have stored. */
async function addToStats(trx: Db, rows: readonly FinishedRow[], finishedAt: number) {
  if (rows.length === 0) return;
  const day = dayOf(finishedAt);
  const week = weekOf(day);
  const outcomes = new Map<string, { outcome: string; family: number; cls: string; n: number }>();
  for (const r of rows) {
    const outcome: StatsOutcome = (r.verdict as StatsOutcome | null) ?? 'failed';
    const key = `${outcome}|${r.family}|${r.address_class}`;
    const o = outcomes.get(key);
    if (o) o.n++;
    else outcomes.set(key, { outcome, family: r.family, cls: r.address_class, n: 1 });
  }
  await trx
    .insertInto('stats_diagnosis_daily')
    .values(
      [...outcomes.values()].map((o) => ({
        day,
        week,
        outcome: o.outcome,
        family: o.family,
        address_class: o.cls,
        n: o.n,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['day', 'outcome', 'family', 'address_class'])
        .doUpdateSet({ n: sql<number>`stats_diagnosis_daily.n + excluded.n` }),
    )
    .execute();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    const chunk = ids.slice(i, i + INSERT_CHUNK);
    await trx
      .insertInto('stats_port_daily')
      .columns(['day', 'week', 'port', 'protocol', 'state', 'family', 'address_class', 'n'])
      .expression((eb) =>
        eb
          .selectFrom('scan_results as r')
          .innerJoin('scans as s', 's.id', 'r.scan_id')
          .select([
            sql<string>`cast(${day} as text)`.as('day'),
            sql<string>`cast(${week} as text)`.as('week'),
            'r.port',
            'r.protocol',
            'r.state',
            's.family',
            's.address_class',
            sql<number>`count(*)`.as('n'),
          ])
          .where('r.scan_id', 'in', chunk)
          .groupBy(['r.port', 'r.protocol', 'r.state', 's.family', 's.address_class']),
      )
      .onConflict((oc) =>
        oc
          .columns(['day', 'port', 'protocol', 'state', 'family', 'address_class'])
          .doUpdateSet({ n: sql<number>`stats_port_daily.n + excluded.n` }),
      )
      .execute();
  }
}
async function insertScanRow(db: Db, s: NewScan): Promise<void> {
  await db
    .insertInto('scans')
    .values({
      id: s.id,
      code: s.code,
      requester_key: s.requesterKey,
      status: 'queued',
      error_code: null,
      error_message: null,
      address: s.address,
      address_hash: s.addressHash,
      family: s.family,
      address_class: s.addressClass,
      verdict: null,
      total: s.ports.length,
      label: s.label,
      terms_version: s.termsVersion,
      catalog_version: s.catalogVersion,
      vantage: s.vantage,
      created_at: s.createdAt,
      started_at: null,
      finished_at: null,
      diagnosis_id: s.diagnosisId ?? null,
      context: s.context ? JSON.stringify(s.context) : null,
      untested: s.untested && s.untested.length > 0 ? JSON.stringify(s.untested) : null,
    })
    .execute();
}

async function insertPorts(db: Db, s: NewScan): Promise<void> {
  for (let i = 0; i < s.ports.length; i += INSERT_CHUNK) {
    await db
      .insertInto('scan_ports')
      .values(
        s.ports.slice(i, i + INSERT_CHUNK).map((p, j) => ({
          scan_id: s.id,
          position: i + j,
          port: p.port,
          protocol: p.protocol,
        })),
      )
      .execute();
  }
}

/** What appendResult(s) reads from the locked scan row to count a result stored after the finish. */
const LATE_COLUMNS = ['status', 'finished_at', 'family', 'address_class'] as const;

/** A result stored after its scan finished (a job still running when the reconciler failed its
 *  scan) is counted at once, under the scan's finish day: the counts stay equal to a recount. */
async function countLateResults(
  trx: Db,
  scan: {
    status: string;
    finished_at: number | string | null;
    family: number;
    address_class: string;
  },
  results: readonly PortResult[],
) {
  if (ACTIVE.includes(scan.status as ScanStatus) || scan.finished_at === null) return;
  if (results.length === 0) return;
  const day = dayOf(toMs(scan.finished_at));
  const week = weekOf(day);
  const counts = new Map<string, { port: number; protocol: string; state: string; n: number }>();
  for (const r of results) {
    const key = `${r.protocol}/${r.port}/${r.state}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { port: r.port, protocol: r.protocol, state: r.state, n: 1 });
  }
  const values = [...counts.values()].map((c) => ({
    day,
    week,
    port: c.port,
    protocol: c.protocol,
    state: c.state,
    family: scan.family,
    address_class: scan.address_class,
    n: c.n,
  }));
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('stats_port_daily')
      .values(values.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['day', 'port', 'protocol', 'state', 'family', 'address_class'])
          .doUpdateSet({ n: sql<number>`stats_port_daily.n + excluded.n` }),
      )
      .execute();
  }
}

function headerOf(row: Selectable<ScansTable>): ScanHeader {
  return {
    id: row.id,
    code: row.code,
    requesterKey: row.requester_key,
    status: row.status as ScanStatus,
    error:
      row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    address: row.address,
    addressHash: row.address_hash,
    family: row.family === 6 ? 6 : 4,
    addressClass: row.address_class,
    verdict: row.verdict as Verdict | null,
    total: row.total,
    label: row.label,
    createdAt: toMs(row.created_at),
    startedAt: toMsOrNull(row.started_at),
    finishedAt: toMsOrNull(row.finished_at),
    termsVersion: row.terms_version,
    catalogVersion: row.catalog_version,
    vantage: row.vantage,
    timing: row.timing === null ? null : (JSON.parse(row.timing) as ScanReport),
    diagnosisId: row.diagnosis_id,
    context: row.context === null ? null : (JSON.parse(row.context) as Record<string, unknown>),
    untested: row.untested === null ? null : (JSON.parse(row.untested) as UntestedTarget[]),
  };
}

function assertDistinctPorts(ports: readonly PlannedPort[]): void {
  const seen = new Set<string>();
  for (const p of ports) {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) throw new TypeError(`planned port ${key} listed twice`);
    seen.add(key);
  }
}

async function existingSeq(db: Db, id: string, r: PortResult): Promise<number | undefined> {
  const row = await db
    .selectFrom('scan_results')
    .select('seq')
    .where('scan_id', '=', id)
    .where('port', '=', r.port)
    .where('protocol', '=', r.protocol)
    .executeTakeFirst();
  return row?.seq;
}

const resultKey = (r: PortResult) => `${r.protocol}/${r.port}`;

/** The first of each (port, protocol), in order. */
function distinctResults(results: readonly PortResult[]): PortResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const key = resultKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Only the fields a stored result has (a caller's object may carry more). */
const resultOf = (r: PortResult): PortResult => ({
  port: r.port,
  protocol: r.protocol,
  state: r.state,
  reason: r.reason,
  ms: r.ms,
});

/** The batch without the (port, protocol) pairs this scan already has. */
async function withoutStored(db: Db, id: string, batch: PortResult[]): Promise<PortResult[]> {
  const stored = new Set<string>();
  for (let i = 0; i < batch.length; i += INSERT_CHUNK) {
    const rows = await db
      .selectFrom('scan_results')
      .select(['port', 'protocol'])
      .where('scan_id', '=', id)
      .where(
        'port',
        'in',
        batch.slice(i, i + INSERT_CHUNK).map((r) => r.port),
      )
      .execute();
    for (const row of rows) stored.add(`${row.protocol}/${row.port}`);
  }
  return batch.filter((r) => !stored.has(resultKey(r)));
}

/** A consent given for an organisation: the diagnosis it starts belongs to that organisation,
 *  in the same transaction (issue 11). */
async function attachToConsentOrg(db: Db, tokenHash: string, s: NewScan): Promise<void> {
  const row = await db
    .selectFrom('consents')
    .select(['org_id', 'org_link_id', 'org_token_id', 'org_label'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row?.org_id) return;
  await db
    .insertInto('org_scans')
    .values({
      scan_id: s.id,
      org_id: row.org_id,
      link_id: row.org_link_id,
      token_id: row.org_token_id,
      created_at: s.createdAt,
    })
    .execute();
  if (s.label === null && row.org_label !== null)
    await db.updateTable('scans').set({ label: row.org_label }).where('id', '=', s.id).execute();
}

/** Spends the token if it is valid for this requester now; otherwise says why not. */
async function consume(db: Db, c: ConsentUse, scanId: string | null): Promise<ConsentOutcome> {
  // A consent's scopes never change after it is issued, so checking them before the conditional
  // UPDATE cannot race: only its use does, and the UPDATE decides that.
  if (c.scopes?.some((scope) => scope !== 'tcp')) {
    const before = classifyConsent(await readConsent(db, c.tokenHash), c);
    if (before === 'missing_scope') return before;
  }
  const r = await db
    .updateTable('consents')
    .set({ used_at: c.now, scan_id: scanId })
    .where('token_hash', '=', c.tokenHash)
    .where('requester_key', '=', c.requesterKey)
    .where('used_at', 'is', null)
    .where('expires_at', '>', c.now)
    .where((eb) =>
      c.csrfBinding === null
        ? eb('csrf_binding', 'is', null)
        : eb.or([eb('csrf_binding', 'is', null), eb('csrf_binding', '=', c.csrfBinding)]),
    )
    .executeTakeFirst();
  if (r.numUpdatedRows === 1n) return 'ok';
  const outcome = classifyConsent(await readConsent(db, c.tokenHash), c);
  // The row changed between the UPDATE and this read (another consumer won): it is used.
  return outcome === 'ok' ? 'used' : outcome;
}

interface ConsentRow {
  scopes: string;
  requester_key: string;
  csrf_binding: string | null;
  expires_at: number | string;
  used_at: number | string | null;
}

function readConsent(db: Db, tokenHash: string): Promise<ConsentRow | undefined> {
  return db
    .selectFrom('consents')
    .select(['requester_key', 'csrf_binding', 'expires_at', 'used_at', 'scopes'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** A token bound to a CSRF value (browsers) needs that value; one bound to no CSRF value (API
 *  clients) needs only the requester. Order: unknown, wrong_requester, missing_scope, used,
 *  expired. */
function classifyConsent(row: ConsentRow | undefined, c: ConsentUse): ConsentOutcome {
  if (row === undefined) return 'unknown';
  if (row.requester_key !== c.requesterKey) return 'wrong_requester';
  if (row.csrf_binding !== null && row.csrf_binding !== c.csrfBinding) return 'wrong_requester';
  const granted = new Set(row.scopes.split(' '));
  if (c.scopes?.some((scope) => !granted.has(scope))) return 'missing_scope';
  if (row.used_at !== null) return 'used';
  if (toMs(row.expires_at) <= c.now) return 'expired';
  return 'ok';
}

/** Which uniqueness rule of `scans` an insert broke, if any (PostgreSQL names the constraint;
 *  SQLite names the columns). */
function conflictOf(err: unknown): ScanConflictError['conflict'] | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { code?: unknown; constraint?: unknown };
  if (e.code === '23505') {
    switch (e.constraint) {
      case 'scans_pkey':
        return 'duplicate_id';
      case 'scans_code_key':
        return 'duplicate_code';
      case 'scans_one_active_per_requester':
        return 'active_scan';
      default:
        return undefined;
    }
  }
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT')) {
    const columns = /constraint failed: (.+)$/.exec(e.message)?.[1];
    switch (columns) {
      case 'scans.id':
        return 'duplicate_id';
      case 'scans.code':
        return 'duplicate_code';
      case 'scans.requester_key':
        return 'active_scan';
      default:
        return undefined;
    }
  }
  return undefined;
}
