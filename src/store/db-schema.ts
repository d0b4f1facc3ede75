// The tables as Kysely sees them (migrations/001-initial.ts creates them). Column names are
// snake_case; the Store maps rows to the camelCase records of store.ts.
import type { ColumnType, Generated } from 'kysely';

/** Epoch milliseconds. A `bigint` column: PostgreSQL (pg) returns int8 as a string, SQLite
 *  (better-sqlite3) as a number — so reads are typed `number | string` and the Store converts
 *  them in one place (`toMs` in kysely-store.ts). */
export type EpochMs = ColumnType<number | string, number, number>;
export type NullableEpochMs = ColumnType<number | string | null, number | null, number | null>;

export interface ScansTable {
  id: string;
  code: string;
  requester_key: string;
  /** queued | running | done | failed */
  status: string;
  error_code: string | null;
  error_message: string | null;
  /** The stored (display) form, per SELFSCAN_IP_STORAGE. */
  address: string;
  address_hash: string | null;
  family: number;
  address_class: string;
  /** exposed | incomplete | safe; null until done. */
  verdict: string | null;
  /** Planned port count. */
  total: number;
  label: string | null;
  terms_version: string;
  catalog_version: string;
  vantage: string;
  created_at: EpochMs;
  started_at: NullableEpochMs;
  finished_at: NullableEpochMs;
  /** JSON of core/scan.ts ScanReport once the scan ran to the end; else null. */
  timing: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 004: a further target's diagnosis (the first scan's id), its address context
   *  (JSON) and, on the first scan, the families not tested (JSON). */
  diagnosis_id: ColumnType<string | null, string | null | undefined, string | null>;
  context: ColumnType<string | null, string | null | undefined, string | null>;
  untested: ColumnType<string | null, string | null | undefined, string | null>;
  /** Last sequence number handed out by appendResult (0 = none yet). */
  next_seq: ColumnType<number, number | undefined, number>;
}

export interface ScanPortsTable {
  scan_id: string;
  /** 0-based position in the planned list. */
  position: number;
  port: number;
  protocol: string;
}

export interface ScanResultsTable {
  scan_id: string;
  /** 1-based, per scan, in arrival order. */
  seq: number;
  port: number;
  protocol: string;
  state: string;
  reason: string;
  ms: number;
}

/** One finding of a diagnosis (core/findings.ts), migrations/005-findings.ts. */
export interface ScanFindingsTable {
  scan_id: string;
  port: number;
  protocol: string;
  /** A stable id, e.g. smb1-enabled. */
  finding_id: string;
  severity: string;
  /** JSON object of strings, numbers and booleans. */
  detail: string;
}

export interface ConsentsTable {
  /** A hash of the token; the token itself is never stored. */
  token_hash: string;
  requester_key: string;
  csrf_binding: string | null;
  terms_version: string;
  created_at: EpochMs;
  expires_at: EpochMs;
  used_at: NullableEpochMs;
  /** The scan that consumed it (set null when that scan is deleted). */
  scan_id: string | null;
  /** What it allows: space-separated ConsentScope words ('tcp', 'udp', 'identify'). */
  scopes: Generated<string>;
  /** The organisation the result is shared with (issue 11, migration 007), and how. */
  org_id: ColumnType<string | null, string | null | undefined, string | null>;
  org_link_id: ColumnType<string | null, string | null | undefined, string | null>;
  org_token_id: ColumnType<string | null, string | null | undefined, string | null>;
  org_label: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One row per rate-limit key (a kind and a keyed hash of an address or network). */
export interface RateLimitsTable {
  key: string;
  /** When the current window began; a hit after window_start + window starts a new one. */
  window_start: EpochMs;
  count: number;
}

/** A family ticket that was spent (migration 004): single use across processes. */
export interface SpentTicketsTable {
  ticket_id: string;
  expires_at: EpochMs;
}

export interface WriteProbeTable {
  id: number;
  written_at: EpochMs;
}

// --- Organisations (issue 11, migrations/007-organisations.ts) ---------------------------------

export interface OrgsTable {
  id: string;
  name: string;
  retention_days: number | null;
  webhook_url: string | null;
  webhook_format: ColumnType<string, string | undefined, string>;
  webhook_secret: string;
  alert_emails: string | null;
  muted_ports: ColumnType<string, string | undefined, string>;
  created_at: EpochMs;
}

export interface AccountsTable {
  id: string;
  email: string;
  password_hash: string | null;
  role: string;
  org_id: string | null;
  totp_secret: string | null;
  totp_enabled: ColumnType<number, number | undefined, number>;
  created_at: EpochMs;
}

export interface AdminSessionsTable {
  token_hash: string;
  account_id: string;
  created_at: EpochMs;
  last_seen_at: EpochMs;
  expires_at: EpochMs;
}

export interface PasswordResetsTable {
  token_hash: string;
  account_id: string;
  expires_at: EpochMs;
  used_at: NullableEpochMs;
}

export interface OrgLinksTable {
  id: string;
  org_id: string;
  token: string;
  name: string;
  label_mode: string;
  expires_at: NullableEpochMs;
  revoked_at: NullableEpochMs;
  created_at: EpochMs;
}

export interface OrgTokensTable {
  id: string;
  org_id: string;
  token_hash: string;
  name: string;
  kind: string;
  revoked_at: NullableEpochMs;
  last_used_at: NullableEpochMs;
  created_at: EpochMs;
}

export interface OrgScansTable {
  scan_id: string;
  org_id: string;
  link_id: string | null;
  token_id: string | null;
  created_at: EpochMs;
}

export interface AlertDeliveriesTable {
  id: string;
  org_id: string;
  scan_id: string | null;
  channel: string;
  target: string;
  payload: string;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: EpochMs;
  last_error: string | null;
  created_at: EpochMs;
  delivered_at: NullableEpochMs;
}

/** Public statistics (migrations/006-stats.ts): counts per UTC day, never an address. */
export interface StatsPortDailyTable {
  /** YYYY-MM-DD (UTC) of the diagnosis's finish. */
  day: string;
  /** YYYY-MM-DD of the Monday of that ISO week. */
  week: string;
  port: number;
  protocol: string;
  state: string;
  family: number;
  address_class: string;
  n: number;
}

export interface StatsDiagnosisDailyTable {
  day: string;
  week: string;
  /** exposed | incomplete | safe | failed */
  outcome: string;
  family: number;
  address_class: string;
  n: number;
}

export interface Database {
  rate_limits: RateLimitsTable;
  write_probe: WriteProbeTable;
  scans: ScansTable;
  scan_ports: ScanPortsTable;
  scan_results: ScanResultsTable;
  scan_findings: ScanFindingsTable;
  consents: ConsentsTable;
  orgs: OrgsTable;
  accounts: AccountsTable;
  admin_sessions: AdminSessionsTable;
  password_resets: PasswordResetsTable;
  org_links: OrgLinksTable;
  org_tokens: OrgTokensTable;
  org_scans: OrgScansTable;
  alert_deliveries: AlertDeliveriesTable;
  stats_port_daily: StatsPortDailyTable;
  stats_diagnosis_daily: StatsDiagnosisDailyTable;
  spent_tickets: SpentTicketsTable;
}
