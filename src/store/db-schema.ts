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
}

/** One row per rate-limit key (a kind and a keyed hash of an address or network). */
export interface RateLimitsTable {
  key: string;
  /** When the current window began; a hit after window_start + window starts a new one. */
  window_start: EpochMs;
  count: number;
}

export interface WriteProbeTable {
  id: number;
  written_at: EpochMs;
}

export interface Database {
  rate_limits: RateLimitsTable;
  write_probe: WriteProbeTable;
  scans: ScansTable;
  scan_ports: ScanPortsTable;
  scan_results: ScanResultsTable;
  scan_findings: ScanFindingsTable;
  consents: ConsentsTable;
}
