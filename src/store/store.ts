// What the product keeps, named after what the product does. One implementation (kysely-store.ts)
// serves SQLite and PostgreSQL. Instants are epoch milliseconds here (ISO strings only in the
// API); ids are strings. Addresses arrive already in their stored form (address-storage.ts).
import type { Finding } from '../core/findings.js';
import type { PortResult, PortState, Protocol, Verdict } from '../core/port-state.js';
import type { ScanReport } from '../core/scan.js';
import type { OrgStore } from './org-store.js';

export type ScanStatus = 'queued' | 'running' | 'done' | 'failed';

export interface PlannedPort {
  port: number;
  protocol: Protocol;
}

export interface ScanError {
  code: string;
  message: string;
}

/** A stored port result with its 1-based sequence number (the SSE event id). */
export type StoredResult = PortResult & { seq: number };

export interface NewScan {
  /** The secret (≥ 128 bits, base64url), chosen by the caller. */
  id: string;
  /** Short human reference; unique. */
  code: string;
  /** Derived by the caller from the requester (e.g. a keyed hash); one active scan per key. */
  requesterKey: string;
  /** Stored display form of the target address. */
  address: string;
  addressHash: string | null;
  family: 4 | 6;
  addressClass: string;
  /** The planned list, in order; no (port, protocol) twice. */
  ports: readonly PlannedPort[];
  label: string | null;
  termsVersion: string;
  catalogVersion: string;
  vantage: string;
  createdAt: number;
  /** A further target of a diagnosis: the id of the diagnosis's first scan (issue 15). */
  diagnosisId?: string | null;
  /** The address context shown with this target (JSON-able; address-context.ts). */
  context?: Record<string, unknown> | null;
  /** On the first scan of a diagnosis: the families it could not test, and why. */
  untested?: readonly UntestedTarget[] | null;
}

/** A family a diagnosis could not test: listed as `not_tested`, never as safe. */
export interface UntestedTarget {
  family: 4 | 6;
  /** `no_ticket` (the browser did not reach that family's origin), `no_egress` (this server
   *  cannot reach that family), `not_requested` (the client asked for one family only). */
  reason: string;
}

/** A family ticket spent in createScan (single use across processes). */
export interface TicketSpend {
  id: string;
  expiresAt: number;
}

/** createScan with a ticket that was already spent: nothing was written. */
export class TicketSpentError extends Error {
  constructor() {
    super('ticket already used');
    this.name = 'TicketSpentError';
  }
}

/** Consume a consent token in the same transaction as the scan insert (see createScan). */
export interface ConsentUse {
  tokenHash: string;
  requesterKey: string;
  csrfBinding: string | null;
  now: number;
  /** What the diagnosis will do; each must be in the consent's scopes (else `missing_scope`).
   *  Omitted = TCP only. */
  scopes?: readonly ConsentScope[];
}

/** What a consent allows: a TCP connect scan always; UDP probes and service identification only
 *  when the person opted in to each (they send more than a connection attempt). */
export const CONSENT_SCOPES = ['tcp', 'udp', 'identify'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export interface ScanRecord {
  id: string;
  code: string;
  requesterKey: string;
  status: ScanStatus;
  /** Set when status is `failed` (e.g. `interrupted`, `scanner_unhealthy`), else null. */
  error: ScanError | null;
  address: string;
  addressHash: string | null;
  family: 4 | 6;
  addressClass: string;
  /** null until done. */
  verdict: Verdict | null;
  /** Planned port count. */
  total: number;
  label: string | null;
  ports: PlannedPort[];
  /** Ordered by seq. */
  results: StoredResult[];
  /** What UDP answers and identification found (issue 16), by port. */
  findings: Finding[];
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  termsVersion: string;
  catalogVersion: string;
  vantage: string;
  /** What the scan's timing did (window, send delay, re-probes); null until it ran to the end. */
  timing: ScanReport | null;
  /** Set on a further target of a diagnosis: the diagnosis's first scan. */
  diagnosisId: string | null;
  context: Record<string, unknown> | null;
  untested: UntestedTarget[] | null;
}

/** A scan without its planned ports and results: one indexed row read (status, verdict, SSE). */
export type ScanHeader = Omit<ScanRecord, 'ports' | 'results' | 'findings'>;

export interface FinishScan {
  status: 'done' | 'failed';
  verdict: Verdict | null;
  error?: ScanError;
  finishedAt: number;
  timing?: ScanReport;
}

export interface NewConsent {
  /** Hash of the token (the token itself is never stored). */
  tokenHash: string;
  requesterKey: string;
  /** For browsers: bound to the CSRF cookie. null = bound to the requester only. */
  csrfBinding: string | null;
  termsVersion: string;
  createdAt: number;
  expiresAt: number;
  /** What it allows; always includes 'tcp'. Omitted = ['tcp']. */
  scopes?: readonly ConsentScope[];
  /** The organisation the result will be shared with (a diagnosis link or an org API token):
   *  the scan that spends this consent belongs to it (org-store.ts). */
  org?: ConsentOrg;
}

export interface ConsentOrg {
  orgId: string;
  linkId: string | null;
  tokenId: string | null;
  /** The label the person typed on the link's page; the scan's label when it has none. */
  label: string | null;
}

/** `wrong_requester` also covers a CSRF binding that does not match. Precedence when several
 *  apply: unknown, wrong_requester, missing_scope, used, expired (a stranger learns nothing
 *  about the token). */
export type ConsentOutcome =
  | 'ok'
  | 'unknown'
  | 'used'
  | 'expired'
  | 'wrong_requester'
  | 'missing_scope';

/** createScan with a consent that is not valid: nothing was written. */
export class ConsentError extends Error {
  readonly outcome: Exclude<ConsentOutcome, 'ok'>;
  constructor(outcome: Exclude<ConsentOutcome, 'ok'>) {
    super(`consent token not usable: ${outcome}`);
    this.name = 'ConsentError';
    this.outcome = outcome;
  }
}

/** createScan refused by a uniqueness rule: nothing was written (and a consent stays unused).
 *  `active_scan`: the requester already has a queued or running scan (→ 409 scan_in_progress);
 *  `duplicate_id` / `duplicate_code`: the caller's generated id or code is taken (retry with new). */
export class ScanConflictError extends Error {
  readonly conflict: 'active_scan' | 'duplicate_id' | 'duplicate_code';
  constructor(conflict: ScanConflictError['conflict'], options?: { cause?: unknown }) {
    super(`scan not created: ${conflict}`, options);
    this.name = 'ScanConflictError';
    this.conflict = conflict;
  }
}

/** appendResult for a scan id that does not exist (deleted, or never created). */
export class UnknownScanError extends Error {
  constructor() {
    super('unknown scan');
    this.name = 'UnknownScanError';
  }
}

/** The database cannot take writes now (disk full, file lost or read-only, server down or
 *  restarting). Callers answer 503 and retry later; nothing was written. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

const SQLITE_UNAVAILABLE =
  /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOTADB|CORRUPT)/;
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Whether an error means "the database is out of reach or cannot write" (as opposed to a bug
 *  or a refused value): such a write may succeed later, and the request deserves a 503. */
export function isStorageUnavailable(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_UNAVAILABLE.test(code) || NET_UNAVAILABLE.has(code)) return true;
    // PostgreSQL SQLSTATE: 08 connection exception, 53 insufficient resources (53100 disk
    // full), 57P01–57P03 shutdown / cannot connect now, 58 system error (I/O).
    if (/^(08|53|58)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return true;
  }
  // pg and better-sqlite3 say these in words only.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|The database connection is not open/i.test(
    err.message,
  );
}

/** How a finished diagnosis counts in the statistics: its verdict, or `failed`. */
export type StatsOutcome = Verdict | 'failed';

/** The statistics counters of whole ISO weeks (summed over days and address classes). */
export interface StatsCounts {
  /** Per week × port × protocol × state × family: how many stored results had that state. */
  ports: {
    week: string;
    port: number;
    protocol: Protocol;
    state: PortState;
    family: 4 | 6;
    n: number;
  }[];
  /** Per week × outcome × family: how many diagnoses finished. */
  diagnoses: { week: string; outcome: StatsOutcome; family: 4 | 6; n: number }[];
}

/** Every rate limit counts per hour. */
export const RATE_WINDOW_MS = 3_600_000;

export interface RateBucket {
  /** Kind and keyed hash, e.g. `scan:n:<hash>`; never an address in clear. */
  key: string;
  max: number;
}

export type RateOutcome = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface Store {
  /** Organisations, accounts, sessions and the alert outbox (org-store.ts). */
  readonly orgs: OrgStore;
  /** Inserts the scan (status `queued`) and its planned ports atomically. With
   *  `consumeConsent`, the token is spent in the same transaction (a token is consumed only by
   *  an accepted scan): an invalid token throws ConsentError and writes nothing; a failed insert
   *  (ScanConflictError, or any other error) leaves the token unused. */
  createScan(
    scan: NewScan,
    options?: {
      consumeConsent?: ConsentUse;
      /** Further targets of the same diagnosis, inserted in the same transaction (each one's
       *  requesterKey is its own address's: one active scan per address). */
      parts?: readonly NewScan[];
      /** Family tickets spent in the same transaction; one already spent → TicketSpentError. */
      spendTickets?: readonly TicketSpend[];
    },
  ): Promise<void>;
  /** The further targets of a diagnosis (scan rows whose diagnosisId is `id`), by family. */
  diagnosisParts(id: string): Promise<ScanHeader[]>;
  /** Which of these ticket ids are spent (read-only check before queueing). */
  spentTickets(ids: readonly string[]): Promise<string[]>;
  /** Forgets spent tickets that expired before `now` (they can no longer verify anyway). */
  deleteExpiredTickets(now: number): Promise<number>;
  /** queued → running (keeps the first startedAt when already running). false when the scan
   *  is unknown or already finished: the job must not run it. */
  markRunning(id: string, startedAt: number): Promise<boolean>;
  /** Stores one result as it arrives; returns its 1-based seq. Idempotent per (port, protocol):
   *  a repeat returns the existing seq and changes nothing. Throws UnknownScanError. */
  appendResult(id: string, result: PortResult): Promise<number>;
  /** Stores a batch of results in one transaction and returns the ones it wrote, with their seq,
   *  in batch order (consecutive seq numbers, gap-free after what was stored). A (port, protocol)
   *  already stored, or repeated within the batch, is skipped: a retried batch writes nothing
   *  twice and returns []. Throws UnknownScanError. */
  appendResults(id: string, results: readonly PortResult[]): Promise<StoredResult[]>;
  /** Only from queued/running; a finished scan is never overwritten. true when it changed.
   *  In the same transaction the diagnosis and each of its stored results are counted in the
   *  statistics (by the UTC day of finishedAt). So are results stored after the finish, and the
   *  scans failAbandonedScans / failUnfinishedScans finish. */
  finishScan(id: string, finish: FinishScan): Promise<boolean>;
  /** Stores findings of a running scan; one already stored (same port, protocol and id) is
   *  kept, so a retried job writes nothing twice. Throws UnknownScanError for a deleted scan. */
  appendFindings(id: string, findings: readonly Finding[]): Promise<void>;
  /** The scan's findings, by port, protocol and id. */
  findingsOf(id: string): Promise<Finding[]>;
  getScan(id: string): Promise<ScanRecord | undefined>;
  /** The scan row only (no planned ports, no results). */
  getScanHeader(id: string): Promise<ScanHeader | undefined>;
  /** Results with seq > afterSeq, by seq (SSE Last-Event-ID resume); at most `limit` of them. */
  resultsAfter(id: string, afterSeq: number, limit?: number): Promise<StoredResult[]>;
  /** Removes the scan, its planned ports and results, and the further targets of its
   *  diagnosis. true when it existed. */
  deleteScan(id: string): Promise<boolean>;
  /** The requester's queued or running scan, if any. */
  activeScanFor(requesterKey: string): Promise<{ id: string } | undefined>;
  /** The scan a used consent token started (a form submitted twice finds its first scan). */
  scanForConsent(tokenHash: string, requesterKey: string): Promise<string | undefined>;
  /** queued + running, across all requesters (queue-depth cap). */
  countActiveScans(): Promise<number>;
  /** On start: every queued/running scan (left by a crash) becomes failed with this error.
   *  Returns how many. */
  failUnfinishedScans(code: string, message: string, now: number): Promise<number>;
  /** The reconciler: every queued/running scan created before `createdBefore` whose id is not
   *  in `live` (the jobs this process is running or holding) becomes failed with `error`.
   *  Returns the ids it changed. */
  failAbandonedScans(
    live: readonly string[],
    createdBefore: number,
    error: ScanError,
    now: number,
  ): Promise<string[]>;
  /** Deletes consent tokens never used that expired before `cutoff`. Returns how many. */
  deleteUnusedConsents(cutoff: number): Promise<number>;
  /** Counts one hit in every bucket (fixed window of `windowMs` from a key's first hit), all or
   *  nothing: when any bucket is over its max, nothing is counted anywhere (a refused attempt
   *  leaves no key behind) and the answer says when that bucket's window ends. */
  takeRateLimit(
    buckets: readonly RateBucket[],
    windowMs: number,
    now: number,
  ): Promise<RateOutcome>;
  /** Deletes rate-limit windows that ended before `now`. */
  deleteExpiredRateLimits(windowMs: number, now: number): Promise<number>;
  /** The statistics counters of the finish days from `fromDay` to `toDay` (YYYY-MM-DD, both
   *  included), by ISO week. Read from the aggregates only (never the raw results). */
  statsCounts(fromDay: string, toDay: string): Promise<StatsCounts>;
  /** Retention: deletes scans created before cutoff (with their ports and results) and consent
   *  tokens that expired before cutoff — except diagnoses of an organisation that sets its own
   *  retention (orgs.purgeOrgDiagnoses). Returns the number of scans deleted. The statistics
   *  (anonymous counts) are kept. */
  deleteScansBefore(cutoff: number): Promise<number>;

  createConsent(consent: NewConsent): Promise<void>;
  /** Atomic single use: of concurrent consumers exactly one gets 'ok'. A token created with a
   *  csrfBinding needs that same value; one created with null needs only the requester. */
  consumeConsent(
    tokenHash: string,
    requesterKey: string,
    csrfBinding: string | null,
    now: number,
    scopes?: readonly ConsentScope[],
  ): Promise<ConsentOutcome>;
  /** Read-only: what consumeConsent would answer now (validation before queueing). */
  checkConsent(
    tokenHash: string,
    requesterKey: string,
    csrfBinding: string | null,
    now: number,
    scopes?: readonly ConsentScope[],
  ): Promise<ConsentOutcome>;

  /** Throws when the database does not accept a write, or its file is no longer the one opened
   *  (/readyz). */
  ping(): Promise<void>;
  /** Closes the database connection(s). Idempotent. */
  close(): Promise<void>;
}
