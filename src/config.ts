// Environment → validated, deeply frozen Config, shared by every entry point. The variable names
// are the contract (PRODUCT.md "Configuration"). An empty variable counts as unset. Every problem
// is reported at once, each naming its variable; secret values are never echoed.

import { isIP } from 'node:net';
import { type AddressFamily, normalizeAddress, parseCidr, parseCidrList } from './core/address.js';
import { DEFAULT_SCAN_OPTIONS } from './core/scan.js';
import type { TargetPolicy } from './core/target-policy.js';

export type Mode = TargetPolicy['mode'];
export type IpStorage = 'clear' | 'hmac' | 'truncate';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type DatabaseConfig =
  /** filename is the part after `sqlite:`; `:memory:` for an in-memory database. */
  | { readonly kind: 'sqlite'; readonly url: string; readonly filename: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Canary {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
}

export interface ProbeConfig {
  /** Floor and ceiling of the RTT-adaptive deadline for a silent port. */
  readonly timeoutMinMs: number;
  readonly timeoutMaxMs: number;
  /** Re-probes of a silent port before it is called filtered. */
  readonly retries: number;
  readonly concurrencyPerTarget: number;
  /** Probe sockets open at once per process. */
  readonly concurrencyMax: number;
  /** Local address probes are sent from (normalised literal). */
  readonly sourceAddress?: string;
  /** address:port that must NOT answer; required in public mode. */
  readonly canary?: Canary;
  /** Addresses (at most one per family) where every TCP port accepts: the egress self-test.
   *  Required in public mode. */
  readonly egressReferences: readonly {
    readonly address: string;
    readonly family: AddressFamily;
  }[];
}

export interface OperatorConfig {
  readonly name?: string;
  readonly contact?: string;
  readonly abuseContact?: string;
  /** Published probe source addresses or CIDR ranges, normalised. */
  readonly probeSources: readonly string[];
}

export interface Config {
  readonly mode: Mode;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  /** Unset → in-process queue. */
  readonly redisUrl?: string;
  /** Normalised CIDR list for Fastify `trustProxy`; empty = no proxy is trusted. */
  readonly trustedProxies: readonly string[];
  /** mode + SELFSCAN_ALLOW_RANGES, for checkTarget(). */
  readonly policy: TargetPolicy;
  readonly probe: ProbeConfig;
  readonly ipStorage: IpStorage;
  /** Present exactly when ipStorage is `hmac`. A secret: never log it. */
  readonly ipHmacKey?: string;
  readonly retentionDays: number;
  readonly rateLimit: {
    /** Scans per hour per requester address. */
    readonly perAddressPerHour: number;
    /** Scans per hour per requester network (IPv4 /24, IPv6 /64). */
    readonly perNetworkPerHour: number;
  };
  /** Consent tokens issued per hour (SELFSCAN_CONSENT_LIMIT_PER_*): spent or not, each is a row. */
  readonly consentLimit: {
    readonly perAddressPerHour: number;
    readonly perNetworkPerHour: number;
  };
  /** SELFSCAN_ALLOWED_HOSTS: host names (lowercase) and normalised address literals a request's
   *  Host may name (any port). Empty = the default (http/allowed-hosts.ts). */
  readonly allowedHosts: readonly string[];
  /** SELFSCAN_PUBLIC_ORIGIN: the origins the service is reached at (scheme://host[:port]); the
   *  first builds the links it shows. Their hosts are allowed Hosts. */
  readonly publicOrigins: readonly string[];
  // --- Both stacks in one diagnosis (issue 15) ---------------------------------------------
  /** SELFSCAN_V4_ORIGIN / SELFSCAN_V6_ORIGIN: origins whose DNS has only an A / only an AAAA
   *  record, answered by this same server; the page fetches /api/v1/whoami on each. Their hosts
   *  are allowed Hosts. The main origin (CORS) is publicOrigins[0]. */
  readonly familyOrigins: { readonly v4?: string; readonly v6?: string };
  /** SELFSCAN_TICKET_KEY: signs family tickets. A secret: never log it. Unset in local mode →
   *  generated and kept in the data folder (http/tickets.ts resolveTicketKey). */
  readonly ticketKey?: string;
  /** SELFSCAN_ASN_TABLE: the offline network table (`npm run asn:import`); unset → the data
   *  folder's asn-table.bin when it exists. */
  readonly asnTable?: string;
  /** Cap on queued + running scans; above it new scans get 503 busy. */
  readonly queueMax: number;
  /** Scans run at once by one process. */
  readonly scanConcurrency: number;
  /** Live result streams (SSE): caps (above them 429 rate_limited) and the bytes one
   *  connection may have unsent before it is closed (the client resumes with Last-Event-ID). */
  readonly liveStreams: {
    readonly perScan: number;
    readonly perAddress: number;
    /** Per requester network (IPv4 /24, IPv6 /64 and /56). */
    readonly perNetwork: number;
    readonly bufferBytes: number;
  };
  readonly shutdownTimeoutMs: number;
  readonly operator: OperatorConfig;
  readonly termsVersion: string;
  readonly vantage: string;
  readonly logLevel: LogLevel;
  readonly orgs: OrgsConfig;
  // --- Statistics and metrics (issue 12) ---
  /** SELFSCAN_STATS_MIN_CELL: public statistics hide counts from 1 to this minus 1. */
  readonly statsMinCell: number;
  /** SELFSCAN_METRICS_HOST / SELFSCAN_METRICS_PORT: the Prometheus listener; none without a port. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Non-fatal findings to log at startup (e.g. an unknown SELFSCAN_* variable, likely a typo). */
  readonly warnings: readonly string[];
}

// --- Organisations, dashboard and alerts (issue 11) -------------------------------------------
export interface OrgsConfig {
  /** SELFSCAN_WEBHOOK_ALLOW_RANGES: private, loopback or link-local ranges a webhook may reach
   *  (an intranet receiver); everything else that is not global unicast is refused at connect. */
  readonly webhookAllowRanges: readonly string[];
  /** SELFSCAN_SMTP_URL (smtp:// or smtps://, credentials in the URL): alert and password-reset
   *  mail. A secret: never log it. Unset = no mail is sent (reset links are not offered). */
  readonly smtpUrl?: string;
  /** SELFSCAN_MAIL_FROM: the From address of that mail. */
  readonly mailFrom: string;
  /** SELFSCAN_ALERT_RETRY_BASE_MS: first retry delay of a failed alert; doubles per attempt. */
  readonly alertRetryBaseMs: number;
  /** SELFSCAN_ALERT_MAX_ATTEMPTS: attempts before a delivery is marked failed. */
  readonly alertMaxAttempts: number;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** The first offending variable; all of them are in `problems`. */
  readonly variable: string;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const text = problems.map((p) => p.message).join('\n  ');
    super(problems.length === 1 ? text : `invalid configuration:\n  ${text}`);
    this.variable = problems[0]?.variable ?? '';
    this.problems = problems;
  }
}

export const CONFIG_VARIABLES = [
  'SELFSCAN_MODE',
  'SELFSCAN_HOST',
  'SELFSCAN_PORT',
  'SELFSCAN_DATABASE_URL',
  'SELFSCAN_REDIS_URL',
  'SELFSCAN_TRUSTED_PROXIES',
  'SELFSCAN_ALLOW_RANGES',
  'SELFSCAN_PROBE_TIMEOUT_MIN_MS',
  'SELFSCAN_PROBE_TIMEOUT_MAX_MS',
  'SELFSCAN_PROBE_RETRIES',
  'SELFSCAN_CONCURRENCY_PER_TARGET',
  'SELFSCAN_CONCURRENCY_MAX',
  'SELFSCAN_SOURCE_ADDRESS',
  'SELFSCAN_CANARY',
  'SELFSCAN_EGRESS_REFERENCE',
  'SELFSCAN_IP_STORAGE',
  'SELFSCAN_IP_HMAC_KEY',
  'SELFSCAN_RETENTION_DAYS',
  'SELFSCAN_RATE_LIMIT_PER_ADDRESS',
  'SELFSCAN_RATE_LIMIT_PER_NETWORK',
  'SELFSCAN_CONSENT_LIMIT_PER_ADDRESS',
  'SELFSCAN_CONSENT_LIMIT_PER_NETWORK',
  'SELFSCAN_ALLOWED_HOSTS',
  'SELFSCAN_PUBLIC_ORIGIN',
  'SELFSCAN_V4_ORIGIN',
  'SELFSCAN_V6_ORIGIN',
  'SELFSCAN_TICKET_KEY',
  'SELFSCAN_ASN_TABLE',
  'SELFSCAN_QUEUE_MAX',
  'SELFSCAN_LIVE_STREAMS_PER_SCAN',
  'SELFSCAN_LIVE_STREAMS_PER_ADDRESS',
  'SELFSCAN_LIVE_STREAMS_PER_NETWORK',
  'SELFSCAN_LIVE_STREAM_BUFFER_BYTES',
  'SELFSCAN_SCAN_CONCURRENCY',
  'SELFSCAN_SHUTDOWN_TIMEOUT_MS',
  'SELFSCAN_OPERATOR_NAME',
  'SELFSCAN_OPERATOR_CONTACT',
  'SELFSCAN_ABUSE_CONTACT',
  'SELFSCAN_PROBE_SOURCES',
  'SELFSCAN_TERMS_VERSION',
  'SELFSCAN_VANTAGE',
  'SELFSCAN_LOG_LEVEL',
  // organisations, dashboard and alerts (issue 11)
  'SELFSCAN_WEBHOOK_ALLOW_RANGES',
  'SELFSCAN_SMTP_URL',
  'SELFSCAN_MAIL_FROM',
  'SELFSCAN_ALERT_RETRY_BASE_MS',
  'SELFSCAN_ALERT_MAX_ATTEMPTS',
  // Statistics and metrics (issue 12)
  'SELFSCAN_STATS_MIN_CELL',
  'SELFSCAN_METRICS_HOST',
  'SELFSCAN_METRICS_PORT',
] as const;

export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

/** Variables with these prefixes belong to tooling (scripts/test.mjs), not to the service. */
const FOREIGN_PREFIXES = ['SELFSCAN_TEST_'];

const HMAC_KEY_MIN_LENGTH = 32;
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A private sentinel so that one bad value does not cascade into follow-up errors. */
const INVALID = Symbol('invalid');
type Maybe<T> = T | typeof INVALID;

class Reader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: ConfigVariable): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  fail(name: ConfigVariable, message: string): typeof INVALID {
    this.problems.push({ variable: name, message: `${name} ${message}` });
    return INVALID;
  }

  oneOf<T extends string>(name: ConfigVariable, allowed: readonly T[], fallback: T): Maybe<T> {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    return this.fail(name, `must be one of ${allowed.join(', ')} (got ${show(v)})`);
  }

  int(name: ConfigVariable, fallback: number, min: number, max: number): Maybe<number> {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = /^(0|[1-9]\d{0,15})$/.test(v) ? Number(v) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    return this.fail(name, `must be a whole number from ${min} to ${max} (got ${show(v)})`);
  }

  text(name: ConfigVariable, maxLength = 200): Maybe<string | undefined> {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters
    if (v.length > maxLength || /[\u0000-\u001f\u007f]/.test(v)) {
      return this.fail(name, `must be at most ${maxLength} characters without control characters`);
    }
    return v;
  }

  pattern(name: ConfigVariable, fallback: string, re: RegExp, what: string): Maybe<string> {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    return re.test(v) ? v : this.fail(name, `must be ${what} (got ${show(v)})`);
  }

  cidrs(name: ConfigVariable, extra?: (cidrs: string[]) => string | undefined): Maybe<string[]> {
    const v = this.raw(name);
    if (v === undefined) return [];
    try {
      const list = parseCidrList(v);
      const problem = extra?.(list);
      return problem ? this.fail(name, problem) : list;
    } catch (err) {
      return this.fail(name, `must be a list of CIDR ranges: ${(err as Error).message}`);
    }
  }
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function readTrustedProxies(r: Reader): Maybe<string[]> {
  const name = 'SELFSCAN_TRUSTED_PROXIES';
  const why =
    'a hop count or true would let any client choose its address, and so the address that gets scanned';
  const entries = (r.raw(name) ?? '').split(/[\s,]+/);
  const bad = entries.find((e) => /^(true|false)$/i.test(e) || /^\d+$/.test(e));
  if (bad !== undefined) {
    return r.fail(
      name,
      `must list the proxies' addresses as CIDR ranges (e.g. 127.0.0.1/32, 10.0.0.0/8), not ${show(bad)}: ${why}`,
    );
  }
  return r.cidrs(name, (list) =>
    list.some((c) => c.endsWith('/0'))
      ? `must not contain a /0 range (trusting every peer): ${why}`
      : undefined,
  );
}

function readDatabase(r: Reader): Maybe<DatabaseConfig> {
  const name = 'SELFSCAN_DATABASE_URL';
  const url = r.raw(name) ?? 'sqlite:./data/selfscan.db';
  const expected =
    'must be sqlite:<path>, sqlite::memory: or postgres://user:password@host/database';
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters
    if (filename === '' || /[\u0000-\u001f]/.test(filename)) return r.fail(name, expected);
    return { kind: 'sqlite', url, filename };
  }
  if (/^postgres(ql)?:\/\//.test(url) && URL.canParse(url)) return { kind: 'postgres', url };
  return r.fail(name, expected); // not echoed: it may contain a password
}

function readRedisUrl(r: Reader): Maybe<string | undefined> {
  const url = r.raw('SELFSCAN_REDIS_URL');
  if (url === undefined) return undefined;
  if (/^rediss?:\/\//.test(url) && URL.canParse(url)) return url;
  return r.fail(
    'SELFSCAN_REDIS_URL',
    'must be redis://[user:password@]host[:port][/db] or rediss://…',
  );
}

function readAddress(r: Reader, name: ConfigVariable): Maybe<string | undefined> {
  const v = r.raw(name);
  if (v === undefined) return undefined;
  try {
    return normalizeAddress(v).address;
  } catch (err) {
    return r.fail(name, `must be a literal IP address: ${(err as Error).message}`);
  }
}

function readEgressReferences(
  r: Reader,
  mode: Maybe<Mode>,
): Maybe<{ address: string; family: AddressFamily }[]> {
  const name = 'SELFSCAN_EGRESS_REFERENCE';
  const v = r.raw(name);
  if (v === undefined) {
    if (mode !== 'public') return [];
    return r.fail(
      name,
      'is required in public mode: an address of yours on which every TCP port accepts (docs/operations.md "Egress reference"), so ports this server\'s own network blocks are reported as untestable instead of safe',
    );
  }
  const out: { address: string; family: AddressFamily }[] = [];
  for (const part of v.split(',').map((p) => p.trim())) {
    try {
      const { address, family } = normalizeAddress(part);
      if (out.some((o) => o.family === family))
        return r.fail(name, `names two IPv${family} addresses; give at most one per family`);
      out.push({ address, family });
    } catch (err) {
      return r.fail(
        name,
        `must be literal IP addresses, comma-separated: ${(err as Error).message}`,
      );
    }
  }
  return out;
}

function readCanary(r: Reader, mode: Maybe<Mode>): Maybe<Canary | undefined> {
  const name = 'SELFSCAN_CANARY';
  const v = r.raw(name);
  if (v === undefined) {
    if (mode !== 'public') return undefined;
    return r.fail(
      name,
      'is required in public mode: an address:port that must never answer (e.g. 192.0.2.1:9), so a transparent proxy on the scanner path cannot make every port look open',
    );
  }
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:[\]]+):(\d+)$/.exec(v);
  const format = 'must be address:port, with IPv6 in brackets ([2001:db8::1]:9)';
  if (!m) return r.fail(name, `${format} (got ${show(v)})`);
  const [, host = '', portText = ''] = m;
  const port = /^[1-9]\d{0,4}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) return r.fail(name, `has an invalid port (got ${show(v)})`);
  try {
    const { address, family } = normalizeAddress(host);
    return { address, port, family };
  } catch (err) {
    return r.fail(name, `${format}: ${(err as Error).message}`);
  }
}

function readProbeSources(r: Reader): Maybe<string[]> {
  const name = 'SELFSCAN_PROBE_SOURCES';
  const v = r.raw(name);
  if (v === undefined) return [];
  const out: string[] = [];
  try {
    for (const entry of v.split(/[\s,]+/)) {
      if (entry === '') continue;
      const item = entry.includes('/') ? parseCidr(entry) : normalizeAddress(entry).address;
      if (!out.includes(item)) out.push(item);
    }
  } catch (err) {
    return r.fail(name, `must be a list of IP addresses or CIDR ranges: ${(err as Error).message}`);
  }
  return out;
}

function readHost(r: Reader, mode: Maybe<Mode>): Maybe<string> {
  const v = r.raw('SELFSCAN_HOST');
  if (v === undefined) return mode === 'public' ? '::' : 'localhost';
  if (isIP(v) !== 0 || HOSTNAME.test(v)) return v;
  return r.fail(
    'SELFSCAN_HOST',
    `must be an IP address or a host name to listen on (got ${show(v)})`,
  );
}

/** A Host header's name part: lowercase, no trailing dot; an address literal normalised. */
export function normalizeHostName(name: string): string {
  const bare = name
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(bare) === 0) return bare;
  try {
    return normalizeAddress(bare).address;
  } catch {
    return bare;
  }
}

function readAllowedHosts(r: Reader): Maybe<string[]> {
  const name = 'SELFSCAN_ALLOWED_HOSTS';
  const v = r.raw(name);
  if (v === undefined) return [];
  const out: string[] = [];
  for (const entry of v.split(/[\s,]+/)) {
    if (entry === '') continue;
    const host = normalizeHostName(entry);
    if (isIP(host) === 0 && !HOSTNAME.test(host))
      return r.fail(
        name,
        `must list host names or IP addresses, without scheme or port (got ${show(entry)})`,
      );
    if (!out.includes(host)) out.push(host);
  }
  return out;
}

function readPublicOrigins(r: Reader): Maybe<string[]> {
  const name = 'SELFSCAN_PUBLIC_ORIGIN';
  const v = r.raw(name);
  if (v === undefined) return [];
  const out: string[] = [];
  for (const entry of v.split(/[\s,]+/)) {
    if (entry === '') continue;
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    )
      return r.fail(
        name,
        `must list origins such as https://selfscan.example or http://192.0.2.7:8080, without a path (got ${show(entry)})`,
      );
    if (!out.includes(url.origin)) out.push(url.origin);
  }
  return out;
}

// --- Organisations, dashboard and alerts (issue 11) -------------------------------------------
function readOrgs(r: Reader): Maybe<OrgsConfig> {
  const webhookAllowRanges = r.cidrs('SELFSCAN_WEBHOOK_ALLOW_RANGES');
  const smtpUrl = r.raw('SELFSCAN_SMTP_URL');
  let smtpOk = true;
  if (smtpUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(smtpUrl);
    } catch {
      url = undefined;
    }
    // Never echo the value: it may hold the SMTP password.
    if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
      r.fail('SELFSCAN_SMTP_URL', 'must be smtp://[user:password@]host[:port] or smtps://…');
      smtpOk = false;
    }
  }
  const mailFrom = r.pattern(
    'SELFSCAN_MAIL_FROM',
    'selfscan@localhost',
    /^[^\s@<>]+@[^\s@<>]+$/,
    'an e-mail address',
  );
  const alertRetryBaseMs = r.int('SELFSCAN_ALERT_RETRY_BASE_MS', 30_000, 10, 3_600_000);
  const alertMaxAttempts = r.int('SELFSCAN_ALERT_MAX_ATTEMPTS', 8, 1, 50);
  if (
    webhookAllowRanges === INVALID ||
    !smtpOk ||
    mailFrom === INVALID ||
    alertRetryBaseMs === INVALID ||
    alertMaxAttempts === INVALID
  )
    return INVALID;
  return {
    webhookAllowRanges,
    ...(smtpUrl !== undefined && { smtpUrl }),
    mailFrom,
    alertRetryBaseMs,
    alertMaxAttempts,
  };
}

// --- Both stacks in one diagnosis (issue 15) -----------------------------------------------

function readFamilyOrigin(
  r: Reader,
  name: ConfigVariable,
  family: 4 | 6,
): Maybe<string | undefined> {
  const v = r.raw(name);
  if (v === undefined) return undefined;
  const url = URL.canParse(v) ? new URL(v) : undefined;
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  )
    return r.fail(
      name,
      `must be an origin such as https://v${family}.selfscan.example, without a path (got ${show(v)})`,
    );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  if (literal !== 0 && literal !== family)
    return r.fail(
      name,
      `names an IPv${literal} address; it must reach this server over IPv${family} only`,
    );
  return url.origin;
}

function readTicketKey(r: Reader, mode: Maybe<Mode>): Maybe<string | undefined> {
  const name = 'SELFSCAN_TICKET_KEY';
  const v = r.raw(name);
  if (v === undefined) {
    if (mode !== 'public') return undefined;
    return r.fail(
      name,
      'is required in public mode: it signs the family tickets that let one diagnosis test both your IPv4 and IPv6 address; generate one with `openssl rand -base64 32` and give every web node the same',
    );
  }
  if (v.length < HMAC_KEY_MIN_LENGTH)
    return r.fail(
      name,
      `must be at least ${HMAC_KEY_MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
    );
  return v;
}

/** The folder beside the SQLite database (generated keys, the imported ASN table); `./data`
 *  with PostgreSQL; none for an in-memory database. */
export function dataDirOf(config: Pick<Config, 'database'>): string | undefined {
  const db = config.database;
  if (db.kind !== 'sqlite') return './data';
  if (db.filename === ':memory:') return undefined;
  const slash = Math.max(db.filename.lastIndexOf('/'), db.filename.lastIndexOf('\\'));
  return slash < 0 ? '.' : db.filename.slice(0, slash) || '/';
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(CONFIG_VARIABLES);
  return Object.keys(env)
    .filter((k) => k.startsWith('SELFSCAN_') && !known.has(k))
    .filter((k) => !FOREIGN_PREFIXES.some((p) => k.startsWith(p)))
    .sort()
    .map((k) => {
      const best = CONFIG_VARIABLES.map((c) => ({ c, d: levenshtein(k, c) })).sort(
        (x, y) => x.d - y.d,
      )[0];
      const hint = best && best.d <= 3 ? `; did you mean ${best.c}?` : '';
      return `${k} is not a selfscan setting and is ignored${hint}`;
    });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    }
  }
  return value;
}

/** Reads the SELFSCAN_* variables. Throws ConfigError listing every invalid or missing value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = new Reader(env);

  const mode = r.oneOf<Mode>('SELFSCAN_MODE', ['local', 'public'], 'local');
  const host = readHost(r, mode);
  const port = r.int('SELFSCAN_PORT', 8080, 0, 65535);
  const database = readDatabase(r);
  const redisUrl = readRedisUrl(r);
  const trustedProxies = readTrustedProxies(r);
  const allowRanges = r.cidrs('SELFSCAN_ALLOW_RANGES');

  const timeoutMinMs = r.int(
    'SELFSCAN_PROBE_TIMEOUT_MIN_MS',
    DEFAULT_SCAN_OPTIONS.timeoutMinMs,
    1,
    600_000,
  );
  const timeoutMaxMs = r.int(
    'SELFSCAN_PROBE_TIMEOUT_MAX_MS',
    DEFAULT_SCAN_OPTIONS.timeoutMaxMs,
    1,
    600_000,
  );
  if (timeoutMinMs !== INVALID && timeoutMaxMs !== INVALID && timeoutMinMs > timeoutMaxMs) {
    r.fail(
      'SELFSCAN_PROBE_TIMEOUT_MAX_MS',
      `(${timeoutMaxMs}) must not be less than SELFSCAN_PROBE_TIMEOUT_MIN_MS (${timeoutMinMs})`,
    );
  }
  const retries = r.int('SELFSCAN_PROBE_RETRIES', DEFAULT_SCAN_OPTIONS.retries, 0, 10);
  const concurrencyPerTarget = r.int(
    'SELFSCAN_CONCURRENCY_PER_TARGET',
    DEFAULT_SCAN_OPTIONS.concurrencyPerTarget,
    1,
    65_535,
  );
  const concurrencyMax = r.int(
    'SELFSCAN_CONCURRENCY_MAX',
    DEFAULT_SCAN_OPTIONS.concurrencyMax,
    1,
    1_000_000,
  );
  if (
    concurrencyPerTarget !== INVALID &&
    concurrencyMax !== INVALID &&
    concurrencyPerTarget > concurrencyMax
  ) {
    r.fail(
      'SELFSCAN_CONCURRENCY_PER_TARGET',
      `(${concurrencyPerTarget}) must not exceed SELFSCAN_CONCURRENCY_MAX (${concurrencyMax})`,
    );
  }
  const sourceAddress = readAddress(r, 'SELFSCAN_SOURCE_ADDRESS');
  const canary = readCanary(r, mode);
  const egressReferences = readEgressReferences(r, mode);

  const ipStorage = r.oneOf<IpStorage>(
    'SELFSCAN_IP_STORAGE',
    ['clear', 'hmac', 'truncate'],
    mode === 'public' ? 'hmac' : 'clear',
  );
  let ipHmacKey = r.raw('SELFSCAN_IP_HMAC_KEY');
  if (ipStorage === 'hmac') {
    const why =
      r.raw('SELFSCAN_IP_STORAGE') === undefined
        ? 'SELFSCAN_IP_STORAGE is hmac (the default in public mode)'
        : 'SELFSCAN_IP_STORAGE is hmac';
    if (ipHmacKey === undefined) {
      r.fail(
        'SELFSCAN_IP_HMAC_KEY',
        `is required because ${why}; generate one with \`openssl rand -base64 32\`, keep it secret and stable (changing it unlinks stored addresses), or set SELFSCAN_IP_STORAGE=truncate`,
      );
    } else if (ipHmacKey.length < HMAC_KEY_MIN_LENGTH) {
      r.fail(
        'SELFSCAN_IP_HMAC_KEY',
        `must be at least ${HMAC_KEY_MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
      );
    }
  } else {
    ipHmacKey = undefined; // not used: do not keep a secret around
  }

  const retentionDays = r.int('SELFSCAN_RETENTION_DAYS', 30, 1, 3650);
  const perAddressPerHour = r.int('SELFSCAN_RATE_LIMIT_PER_ADDRESS', 20, 1, 1_000_000);
  const perNetworkPerHour = r.int('SELFSCAN_RATE_LIMIT_PER_NETWORK', 60, 1, 1_000_000);
  const consentPerAddress = r.int('SELFSCAN_CONSENT_LIMIT_PER_ADDRESS', 60, 1, 1_000_000);
  const consentPerNetwork = r.int('SELFSCAN_CONSENT_LIMIT_PER_NETWORK', 180, 1, 1_000_000);
  const allowedHosts = readAllowedHosts(r);
  const publicOrigins = readPublicOrigins(r);
  // Both stacks in one diagnosis (issue 15)
  const v4Origin = readFamilyOrigin(r, 'SELFSCAN_V4_ORIGIN', 4);
  const v6Origin = readFamilyOrigin(r, 'SELFSCAN_V6_ORIGIN', 6);
  const ticketKey = readTicketKey(r, mode);
  const asnTable = r.text('SELFSCAN_ASN_TABLE', 4096);
  if (
    (v4Origin !== undefined || v6Origin !== undefined) &&
    publicOrigins !== INVALID &&
    publicOrigins.length === 0
  )
    r.fail(
      'SELFSCAN_PUBLIC_ORIGIN',
      'is required with SELFSCAN_V4_ORIGIN / SELFSCAN_V6_ORIGIN: the page on the main origin is the only one allowed to read their answers (CORS)',
    );
  const queueMax = r.int('SELFSCAN_QUEUE_MAX', 500, 1, 1_000_000);
  const scanConcurrency = r.int('SELFSCAN_SCAN_CONCURRENCY', 32, 1, 10_000);
  const streamsPerScan = r.int('SELFSCAN_LIVE_STREAMS_PER_SCAN', 32, 1, 100_000);
  const streamsPerAddress = r.int('SELFSCAN_LIVE_STREAMS_PER_ADDRESS', 32, 1, 100_000);
  const streamsPerNetwork = r.int('SELFSCAN_LIVE_STREAMS_PER_NETWORK', 128, 1, 100_000);
  const streamBufferBytes = r.int('SELFSCAN_LIVE_STREAM_BUFFER_BYTES', 262_144, 4096, 67_108_864);
  const shutdownTimeoutMs = r.int('SELFSCAN_SHUTDOWN_TIMEOUT_MS', 20_000, 0, 600_000);

  const operatorName = r.text('SELFSCAN_OPERATOR_NAME');
  const operatorContact = r.text('SELFSCAN_OPERATOR_CONTACT');
  const abuseContact = r.text('SELFSCAN_ABUSE_CONTACT');
  const probeSources = readProbeSources(r);
  const termsVersion = r.pattern(
    'SELFSCAN_TERMS_VERSION',
    '2026-11-28',
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'a short version label of letters, digits, ".", "_" and "-"',
  );
  const vantage = r.pattern(
    'SELFSCAN_VANTAGE',
    'default',
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'a name of lowercase letters, digits, "_" and "-" (at most 63)',
  );
  const logLevel = r.oneOf<LogLevel>('SELFSCAN_LOG_LEVEL', LOG_LEVELS, 'info');
  const orgs = readOrgs(r);

  // --- Statistics and metrics (issue 12) ---
  const statsMinCell = r.int('SELFSCAN_STATS_MIN_CELL', 11, 1, 1_000_000);
  const metricsPort = r.int('SELFSCAN_METRICS_PORT', 0, 1, 65535);
  const metricsHostRaw = r.raw('SELFSCAN_METRICS_HOST') ?? '127.0.0.1';
  const metricsHost =
    isIP(metricsHostRaw) !== 0 || HOSTNAME.test(metricsHostRaw)
      ? metricsHostRaw
      : r.fail(
          'SELFSCAN_METRICS_HOST',
          `must be an IP address or a host name to listen on (got ${show(metricsHostRaw)})`,
        );

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  // Every value below passed validation (a failure would have been recorded and thrown above).
  const ok = <T>(v: Maybe<T>): T => v as T;
  const config: Config = {
    mode: ok(mode),
    host: ok(host),
    port: ok(port),
    database: ok(database),
    ...(ok(redisUrl) !== undefined && { redisUrl: ok(redisUrl) }),
    trustedProxies: ok(trustedProxies),
    policy: { mode: ok(mode), allowRanges: ok(allowRanges) },
    probe: {
      timeoutMinMs: ok(timeoutMinMs),
      timeoutMaxMs: ok(timeoutMaxMs),
      retries: ok(retries),
      concurrencyPerTarget: ok(concurrencyPerTarget),
      concurrencyMax: ok(concurrencyMax),
      ...(ok(sourceAddress) !== undefined && { sourceAddress: ok(sourceAddress) }),
      ...(ok(canary) !== undefined && { canary: ok(canary) }),
      egressReferences: ok(egressReferences),
    },
    ipStorage: ok(ipStorage),
    ...(ipHmacKey !== undefined && { ipHmacKey }),
    retentionDays: ok(retentionDays),
    rateLimit: {
      perAddressPerHour: ok(perAddressPerHour),
      perNetworkPerHour: ok(perNetworkPerHour),
    },
    consentLimit: {
      perAddressPerHour: ok(consentPerAddress),
      perNetworkPerHour: ok(consentPerNetwork),
    },
    allowedHosts: ok(allowedHosts),
    publicOrigins: ok(publicOrigins),
    familyOrigins: {
      ...(ok(v4Origin) !== undefined && { v4: ok(v4Origin) }),
      ...(ok(v6Origin) !== undefined && { v6: ok(v6Origin) }),
    },
    ...(ok(ticketKey) !== undefined && { ticketKey: ok(ticketKey) }),
    ...(ok(asnTable) !== undefined && { asnTable: ok(asnTable) }),
    queueMax: ok(queueMax),
    scanConcurrency: ok(scanConcurrency),
    liveStreams: {
      perScan: ok(streamsPerScan),
      perAddress: ok(streamsPerAddress),
      perNetwork: ok(streamsPerNetwork),
      bufferBytes: ok(streamBufferBytes),
    },
    shutdownTimeoutMs: ok(shutdownTimeoutMs),
    operator: {
      ...(ok(operatorName) !== undefined && { name: ok(operatorName) }),
      ...(ok(operatorContact) !== undefined && { contact: ok(operatorContact) }),
      ...(ok(abuseContact) !== undefined && { abuseContact: ok(abuseContact) }),
      probeSources: ok(probeSources),
    },
    termsVersion: ok(termsVersion),
    vantage: ok(vantage),
    logLevel: ok(logLevel),
    orgs: ok(orgs),
    statsMinCell: ok(statsMinCell),
    ...(ok(metricsPort) !== 0 && { metrics: { host: ok(metricsHost), port: ok(metricsPort) } }),
    warnings: [
      ...unknownVariableWarnings(env),
      ...(ok(egressReferences).length === 0
        ? [
            'SELFSCAN_EGRESS_REFERENCE is not set: a port that this server\'s own network or firewall blocks would read as closed or filtered. Set it before serving anyone but yourself (docs/operations.md "Egress reference").',
          ]
        : []),
      ...(ok(mode) === 'public' && ok(publicOrigins).length === 0 && ok(allowedHosts).length === 0
        ? [
            'SELFSCAN_PUBLIC_ORIGIN is not set: requests naming this service by a host name are refused (421); set it to the address users open, e.g. https://selfscan.example',
          ]
        : []),
    ],
  };
  return deepFreeze(config);
}
