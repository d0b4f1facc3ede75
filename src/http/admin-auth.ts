// Accounts for the dashboard: scrypt password hashes (node:crypto, no native module), server-side
// sessions in the store behind a random cookie (only its SHA-256 is stored), the session cookie
// `__Host-` prefixed and Secure when the request is HTTPS (the cookie rule of DESIGN.md), a new
// session on every login (the old one is ended: no fixation), login throttling per account and
// per requester through the store's rate-limit windows, and optional TOTP (otpauth).
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import type { Account, OrgStore } from '../store/org-store.js';
import type { Store } from '../store/store.js';
import { ApiError } from './errors.js';
import type { Requester } from './requester.js';

/** A session ends 12 hours after login, or after 60 minutes without a request. */
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_IDLE_MS = 60 * 60_000;
export const RESET_TTL_MS = 60 * 60_000;
/** Login attempts per 15 minutes: per account (e-mail) and per requester address. */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_PER_ACCOUNT = 10;
export const LOGIN_MAX_PER_ADDRESS = 30;
export const MIN_PASSWORD_LENGTH = 12;

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };

export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
/** 256-bit random secret, base64url. */
export const newSecret = () => randomBytes(32).toString('base64url');
/** 128-bit random id, base64url. */
export const newId = () => randomBytes(16).toString('base64url');

function scryptAsync(password: string, salt: Buffer, o: typeof SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      o.keylen,
      { N: o.N, r: o.r, p: o.p, maxmem: o.maxmem },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // An account without a password (or an unknown e-mail) still costs one hash: the time of the
  // answer does not tell whether the account exists.
  const parts = (stored ?? '').split('$');
  const ok = parts.length === 6 && parts[0] === 'scrypt';
  const N = ok ? Number(parts[1]) : SCRYPT.N;
  const r = ok ? Number(parts[2]) : SCRYPT.r;
  const p = ok ? Number(parts[3]) : SCRYPT.p;
  const salt = ok ? Buffer.from(parts[4]!, 'base64url') : randomBytes(16);
  const expected = ok ? Buffer.from(parts[5]!, 'base64url') : randomBytes(SCRYPT.keylen);
  const key = await scryptAsync(password, salt, { ...SCRYPT, N, r, p, keylen: expected.length });
  return ok && timingSafeEqual(key, expected);
}

/** Why a password may not be used (null: fine). Length is what matters (NIST SP 800-63B). */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > 200) return 'The password must have at most 200 characters.';
  return null;
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, email: string): string {
  return new TOTP({
    issuer: 'selfscan',
    label: email,
    secret: Secret.fromBase32(secret),
  }).toString();
}

export function totpValid(secret: string, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  return totp.validate({ token: code, window: 1 }) !== null;
}

/** The session cookie's name: `__Host-` (Secure, Path=/, no Domain) when the request is HTTPS. */
export function sessionCookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? '__Host-selfscan_session' : 'selfscan_session';
}

function sessionToken(request: FastifyRequest): string | undefined {
  return request.cookies[sessionCookieName(request)];
}

/** The logged-in account, or undefined (no cookie, unknown, expired or idle session). */
export async function currentAccount(
  orgs: OrgStore,
  request: FastifyRequest,
): Promise<Account | undefined> {
  const token = sessionToken(request);
  if (!token || token.length > 100) return undefined;
  return orgs.sessionAccount(sha256(token), Date.now(), SESSION_IDLE_MS);
}

/** Starts a session for the account: the request's old session (if any) ends, a new token is
 *  set. Returns nothing readable: the token lives only in the cookie. */
export async function startSession(
  orgs: OrgStore,
  request: FastifyRequest,
  reply: FastifyReply,
  account: Account,
): Promise<void> {
  const old = sessionToken(request);
  if (old) await orgs.deleteSession(sha256(old));
  const token = newSecret();
  const now = Date.now();
  await orgs.createSession({
    tokenHash: sha256(token),
    accountId: account.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  });
  reply.setCookie(sessionCookieName(request), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export async function endSession(
  orgs: OrgStore,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const token = sessionToken(request);
  if (token) await orgs.deleteSession(sha256(token));
  reply.clearCookie(sessionCookieName(request), {
    path: '/',
    secure: request.protocol === 'https',
  });
}

/** Counts one login attempt for the account and the requester; 429 when over either limit. */
export async function throttleLogin(
  store: Store,
  requester: Requester,
  email: string,
): Promise<void> {
  const outcome = await store.takeRateLimit(
    [
      { key: `login:e:${sha256(email.toLowerCase())}`, max: LOGIN_MAX_PER_ACCOUNT },
      { key: `login:a:${requester.key}`, max: LOGIN_MAX_PER_ADDRESS },
    ],
    LOGIN_WINDOW_MS,
    Date.now(),
  );
  if (!outcome.allowed) {
    const wait = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    throw new ApiError(
      'rate_limited',
      `Too many sign-in attempts. Please try again in ${Math.ceil(wait / 60)} minutes.`,
      wait,
    );
  }
}

/** What an account may see: an operator every organisation, an org_admin only its own. */
export function mayAccessOrg(account: Account, orgId: string): boolean {
  return account.role === 'operator' || account.orgId === orgId;
}

/** The token of `Authorization: Bearer <token>` (organisation API tokens), if well-formed. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(h.trim());
  return m?.[1];
}
