// Organisations (issue 11): accounts, sessions, organisations with their diagnosis links and API
// tokens, the diagnoses that belong to an organisation, and the alert outbox. Tenant isolation
// lives here: every organisation-scoped method takes the organisation id first and filters by it
// in the query itself, so an id of another organisation reads as "not there" (the routes answer
// 404). Instants are epoch ms; secrets arrive already hashed.
import type { PortResult, Verdict } from '../core/port-state.js';
import type { ScanRecord } from './store.js';

export type Role = 'operator' | 'org_admin';

export interface Account {
  id: string;
  /** Lowercase. */
  email: string;
  /** null until set (an invited administrator sets it through a reset link). */
  passwordHash: string | null;
  role: Role;
  /** The organisation of an org_admin; null for an operator. */
  orgId: string | null;
  totpSecret: string | null;
  totpEnabled: boolean;
  createdAt: number;
}

export type NewAccount = Omit<Account, 'totpSecret' | 'totpEnabled'>;

/** createAccount refused: the e-mail address has an account already. */
export class DuplicateAccountError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('an account with this e-mail address exists', options);
    this.name = 'DuplicateAccountError';
  }
}

export type WebhookFormat = 'json' | 'slack' | 'teams';

export interface Org {
  id: string;
  name: string;
  /** null = the service's SELFSCAN_RETENTION_DAYS. */
  retentionDays: number | null;
  webhookUrl: string | null;
  webhookFormat: WebhookFormat;
  /** The HMAC key webhook signatures are made with (shown to the organisation's admins). */
  webhookSecret: string;
  alertEmails: string[];
  /** TCP ports that never raise an alert. */
  mutedPorts: number[];
  createdAt: number;
}

export interface OrgSettings {
  retentionDays: number | null;
  webhookUrl: string | null;
  webhookFormat: WebhookFormat;
  alertEmails: string[];
  mutedPorts: number[];
}

export type LabelMode = 'none' | 'optional' | 'required';

export interface OrgLink {
  id: string;
  orgId: string;
  /** The secret in /o/<token> (≥ 128 bits). */
  token: string;
  name: string;
  labelMode: LabelMode;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
}

export type TokenKind = 'report' | 'read';

export interface OrgToken {
  id: string;
  orgId: string;
  name: string;
  kind: TokenKind;
  revokedAt: number | null;
  lastUsedAt: number | null;
  createdAt: number;
}

export interface DiagnosisFilter {
  /** Only diagnoses whose verdict is `exposed`. */
  exposedOnly?: boolean;
  /** Only diagnoses that found this TCP port open. */
  port?: number;
  /** created_at ≥ from, < to (epoch ms). */
  from?: number;
  to?: number;
  limit?: number;
}

/** One row of the dashboard and of the JSON/CSV API. */
export interface DiagnosisRow {
  id: string;
  code: string;
  createdAt: number;
  finishedAt: number | null;
  status: ScanRecord['status'];
  label: string | null;
  address: string;
  family: 4 | 6;
  addressClass: string;
  verdict: Verdict | null;
  total: number;
  openPorts: number[];
  /** The link or the API token it came through (their names), if any. */
  via: { kind: 'link' | 'token'; name: string } | null;
}

export interface PortSummaryRow {
  port: number;
  protocol: string;
  /** Diagnoses (in the filter) that tested this port / found it open. */
  tested: number;
  open: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface NewDelivery {
  id: string;
  orgId: string;
  scanId: string | null;
  channel: 'webhook' | 'email';
  target: string;
  payload: string;
  createdAt: number;
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface OrgStore {
  // accounts and sessions
  createAccount(account: NewAccount): Promise<void>;
  accountByEmail(email: string): Promise<Account | undefined>;
  accountById(id: string): Promise<Account | undefined>;
  /** Sets the password and ends every session of the account (one transaction). */
  setPassword(accountId: string, passwordHash: string): Promise<void>;
  setTotp(accountId: string, secret: string | null, enabled: boolean): Promise<void>;
  listAccounts(orgId: string | null): Promise<Account[]>;
  createSession(s: {
    tokenHash: string;
    accountId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void>;
  /** The account of a live session: not expired, and seen within `idleMs`. Touches last_seen. */
  sessionAccount(tokenHash: string, now: number, idleMs: number): Promise<Account | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteSessionsBefore(now: number): Promise<number>;
  createPasswordReset(r: {
    tokenHash: string;
    accountId: string;
    expiresAt: number;
  }): Promise<void>;
  /** Spends a reset token (atomic single use), sets the password and ends every session of the
   *  account. The account id, or undefined when the token is unknown, used or expired. */
  usePasswordReset(
    tokenHash: string,
    passwordHash: string,
    now: number,
  ): Promise<string | undefined>;

  // organisations
  createOrg(org: {
    id: string;
    name: string;
    webhookSecret: string;
    createdAt: number;
  }): Promise<void>;
  listOrgs(): Promise<Org[]>;
  getOrg(orgId: string): Promise<Org | undefined>;
  updateOrgSettings(orgId: string, settings: OrgSettings): Promise<boolean>;

  createLink(link: Omit<OrgLink, 'revokedAt'>): Promise<void>;
  listLinks(orgId: string): Promise<OrgLink[]>;
  revokeLink(orgId: string, linkId: string, now: number): Promise<boolean>;
  /** A usable link (not revoked, not expired) and its organisation, by the link's secret. */
  linkByToken(token: string, now: number): Promise<{ link: OrgLink; org: Org } | undefined>;

  createToken(
    token: Omit<OrgToken, 'revokedAt' | 'lastUsedAt'> & { tokenHash: string },
  ): Promise<void>;
  listTokens(orgId: string): Promise<OrgToken[]>;
  revokeToken(orgId: string, tokenId: string, now: number): Promise<boolean>;
  /** A token not revoked, by its hash; records the use. */
  tokenByHash(tokenHash: string, now: number): Promise<OrgToken | undefined>;

  // diagnoses of an organisation
  attachScan(a: {
    scanId: string;
    orgId: string;
    linkId: string | null;
    tokenId: string | null;
    createdAt: number;
  }): Promise<void>;
  orgOfScan(scanId: string): Promise<{ orgId: string; linkId: string | null } | undefined>;
  listDiagnoses(orgId: string, filter?: DiagnosisFilter): Promise<DiagnosisRow[]>;
  /** The scan when it belongs to the organisation, else undefined. */
  getDiagnosis(orgId: string, scanId: string): Promise<ScanRecord | undefined>;
  /** Removes the diagnosis when it belongs to the organisation. */
  deleteDiagnosis(orgId: string, scanId: string): Promise<boolean>;
  portSummary(orgId: string, filter?: DiagnosisFilter): Promise<PortSummaryRow[]>;
  /** The open ports of the organisation's latest finished diagnosis with this label before
   *  `before` (for "a port newly opened"); undefined when there is none. */
  previousOpenPorts(
    orgId: string,
    label: string,
    before: number,
    exceptScanId: string,
  ): Promise<PortResult['port'][] | undefined>;
  /** Retention per organisation: deletes each organisation's diagnoses older than its own
   *  retention. Returns how many. */
  purgeOrgDiagnoses(now: number): Promise<number>;

  // the alert outbox
  enqueueDeliveries(deliveries: readonly NewDelivery[]): Promise<void>;
  /** Takes up to `limit` due deliveries (pending with next_attempt_at ≤ now, or sending whose
   *  lease ran out): each becomes `sending` until now + leaseMs. Concurrent callers never take
   *  the same one. */
  claimDueDeliveries(now: number, limit: number, leaseMs: number): Promise<Delivery[]>;
  markDelivered(id: string, now: number, attempts: number): Promise<void>;
  markRetry(id: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(id: string, attempts: number, error: string): Promise<void>;
  listDeliveries(orgId: string, limit: number): Promise<Delivery[]>;
}
