// Family tickets (issue 15): how one diagnosis comes to cover the requester's other address.
// The page fetches GET /api/v1/whoami?nonce=N on an IPv4-only and an IPv6-only origin; each
// answers with a ticket, an HMAC-signed claim of THAT request's socket peer address (after
// trusted-proxy resolution, like every requester address), bound to the consent's nonce, valid
// 120 s. POST /api/v1/scans then presents the tickets with the consent. A ticket can only name an
// address that itself connected to this service, and only joins the diagnosis of the consent
// whose nonce it carries; its id is spent in the store (spent_tickets), so it works once, across
// every process that shares the database and the key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Config, dataDirOf } from '../config.js';
import { normalizeAddress } from '../core/address.js';

export const TICKET_TTL_MS = 120_000;
/** The key file kept beside the SQLite database in local mode when SELFSCAN_TICKET_KEY is unset. */
export const TICKET_KEY_FILE = 'ticket-key';

export interface TicketClaim {
  /** Normalised literal (the full address, never the stored form). */
  address: string;
  family: 4 | 6;
  nonce: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Random; spent once. */
  id: string;
}

export type TicketProblem = 'malformed' | 'signature' | 'expired' | 'nonce';

export class TicketError extends Error {
  constructor(readonly problem: TicketProblem) {
    super(`ticket not valid: ${problem}`);
    this.name = 'TicketError';
  }
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

export const isNonce = (text: unknown): text is string =>
  typeof text === 'string' && NONCE.test(text);

export interface Tickets {
  /** The public nonce of a consent (derived from its token hash: nothing more to store). */
  nonceOf(consentTokenHash: string): string;
  issue(
    address: string,
    family: 4 | 6,
    nonce: string,
    now: number,
  ): TicketClaim & { ticket: string };
  /** Checks signature, shape, expiry and nonce; throws TicketError. Spending is the store's. */
  verify(ticket: string, nonce: string, now: number): TicketClaim;
}

export function createTickets(key: string | Buffer): Tickets {
  const mac = (label: string, text: string) =>
    createHmac('sha256', key).update(label).update('\0').update(text).digest();
  return {
    nonceOf: (tokenHash) => mac('nonce', tokenHash).subarray(0, 18).toString('base64url'),
    issue(address, family, nonce, now) {
      const claim: TicketClaim = {
        address,
        family,
        nonce,
        expiresAt: now + TICKET_TTL_MS,
        id: randomBytes(16).toString('base64url'),
      };
      const body = Buffer.from(
        JSON.stringify({
          a: claim.address,
          f: claim.family,
          n: claim.nonce,
          e: claim.expiresAt,
          i: claim.id,
        }),
      ).toString('base64url');
      const sig = mac('ticket', body).toString('base64url');
      return { ...claim, ticket: `${body}.${sig}` };
    },
    verify(ticket, nonce, now) {
      if (typeof ticket !== 'string' || ticket.length > 1024) throw new TicketError('malformed');
      const dot = ticket.indexOf('.');
      if (dot < 1 || ticket.indexOf('.', dot + 1) !== -1) throw new TicketError('malformed');
      const body = ticket.slice(0, dot);
      const given = Buffer.from(ticket.slice(dot + 1), 'base64url');
      const expected = mac('ticket', body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new TicketError('signature');
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw new TicketError('malformed');
      }
      const c = raw as { a?: unknown; f?: unknown; n?: unknown; e?: unknown; i?: unknown };
      if (
        typeof c.a !== 'string' ||
        (c.f !== 4 && c.f !== 6) ||
        typeof c.n !== 'string' ||
        typeof c.e !== 'number' ||
        typeof c.i !== 'string'
      )
        throw new TicketError('malformed');
      // Signed by us, but still: the address must be a literal of the family it claims.
      let normal: ReturnType<typeof normalizeAddress>;
      try {
        normal = normalizeAddress(c.a);
      } catch {
        throw new TicketError('malformed');
      }
      if (normal.address !== c.a || normal.family !== c.f) throw new TicketError('malformed');
      if (c.e <= now) throw new TicketError('expired');
      const a = Buffer.from(c.n);
      const b = Buffer.from(nonce);
      if (a.length !== b.length || !timingSafeEqual(a, b)) throw new TicketError('nonce');
      return { address: c.a, family: c.f, nonce: c.n, expiresAt: c.e, id: c.i };
    },
  };
}

/** SELFSCAN_TICKET_KEY, or in local mode a key generated once and kept beside the SQLite
 *  database (so tickets survive a restart and every process on that file agrees); with no
 *  database file (in-memory, PostgreSQL) a key for this process only. Public mode requires the
 *  variable (config.ts). */
export function resolveTicketKey(config: Config): string {
  if (config.ticketKey !== undefined) return config.ticketKey;
  const dir = dataDirOf(config);
  if (config.database.kind !== 'sqlite' || dir === undefined)
    return randomBytes(32).toString('hex');
  const file = join(dir, TICKET_KEY_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (text.length >= 32) return text;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    // Another process wrote it first: use theirs.
    return readFileSync(file, 'utf8').trim();
  }
}
