// Consent, in one place for the API and the pages: issuing a single-use token, checking it,
// spending it (in the store, in the same transaction that creates the diagnosis), its cookie and
// its messages. A consent covers a *subject* — today the requester's own address, bound to the
// browser's CSRF cookie when one is present — and a *scope*: TCP always, UDP and service
// identification only when the person opted in to each.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsentOrg, ConsentOutcome, ConsentScope, ConsentUse } from '../store/store.js';
import type { AppDeps } from './app-deps.js';
import { ApiError } from './errors.js';
import type { Requester } from './requester.js';

export type { ConsentScope } from '../store/store.js';

export const CONSENT_TTL_MS = 10 * 60 * 1000;
/** The pages keep the consent token in this cookie; API clients send it in this header. */
export const CONSENT_COOKIE = 'selfscan_consent';
export const CONSENT_HEADER = 'selfscan-consent';
export const CSRF_COOKIE = 'selfscan_csrf';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Who and what a consent is for. */
export interface ConsentSubject {
  requester: Requester;
  /** The organisation the result will be shared with (a diagnosis link, or a managed PC's org
   *  API token): the person was told so before consenting, and the consent records it. */
  org?: ConsentOrg;
}

export interface IssuedConsent {
  token: string;
  /** Public (not a secret): the page passes it to GET /api/v1/whoami so that a family ticket
   *  joins only the diagnosis of this consent (http/tickets.ts). */
  nonce: string;
  termsVersion: string;
  expiresAt: string;
  scopes: ConsentScope[];
}

const CONSENT_MESSAGES: Record<Exclude<ConsentOutcome, 'ok'>, string> = {
  unknown: 'The consent token is not valid. Accept the terms again to get a new one.',
  used: 'This consent token was already used for a diagnosis. Accept the terms again to run another.',
  expired: 'The consent token has expired (it is valid for 10 minutes). Accept the terms again.',
  wrong_requester:
    'This consent token was issued to another connection. Accept the terms again from this one.',
  missing_scope:
    'Your consent does not cover this kind of test (UDP probes and service identification each need their own opt-in). Accept the terms again with that option.',
};

/** The error for a consent that cannot be used. */
export function consentError(outcome: Exclude<ConsentOutcome, 'ok'>): ApiError {
  return new ApiError(
    outcome === 'missing_scope' ? 'consent_scope' : 'consent_invalid',
    CONSENT_MESSAGES[outcome],
  );
}

/** Browsers are bound to their CSRF cookie as well: a token read from one browser does not work
 *  in another on the same address. API clients (no cookie) are bound to the address only. */
function csrfBindingOf(request: FastifyRequest): string | null {
  const cookie = request.cookies[CSRF_COOKIE];
  return cookie ? hashToken(cookie) : null;
}

/** Issues a single-use consent token for the subject and scopes. */
export async function issueConsent(
  deps: AppDeps,
  request: FastifyRequest,
  subject: ConsentSubject,
  scopes: readonly ConsentScope[] = ['tcp'],
): Promise<IssuedConsent> {
  const { requester } = subject;
  if (!requester.allowed)
    throw new ApiError(
      'requester_not_allowed',
      requester.reason ?? 'This address may not be tested here.',
    );
  // Each consent is a row, spent or not: issuing is rate-limited like scans.
  await deps.checkRateLimits(requester, 'consent');
  const token = randomBytes(24).toString('base64url');
  const now = Date.now();
  const expiresAt = now + CONSENT_TTL_MS;
  const granted: ConsentScope[] = ['tcp', ...scopes.filter((s) => s !== 'tcp')];
  await deps.store.createConsent({
    tokenHash: hashToken(token),
    requesterKey: requester.key,
    csrfBinding: csrfBindingOf(request),
    termsVersion: deps.config.termsVersion,
    createdAt: now,
    expiresAt,
    scopes: granted,
    ...(subject.org ? { org: subject.org } : {}),
  });
  return {
    token,
    nonce: deps.tickets.nonceOf(hashToken(token)),
    termsVersion: deps.config.termsVersion,
    expiresAt: new Date(expiresAt).toISOString(),
    scopes: granted,
  };
}

/** A consent presented with a request, ready to be checked now and spent by createScan. */
export function consentUse(
  request: FastifyRequest,
  subject: ConsentSubject,
  token: string | undefined,
  scopes: readonly ConsentScope[] = ['tcp'],
): ConsentUse {
  if (!token)
    throw new ApiError(
      'consent_required',
      'Accept the terms first: POST /api/v1/consent gives a token for the Selfscan-Consent header.',
    );
  return {
    tokenHash: hashToken(token),
    requesterKey: subject.requester.key,
    csrfBinding: csrfBindingOf(request),
    now: Date.now(),
    scopes,
  };
}

/** Read-only check (before the diagnosis is queued); throws the error a person should see. */
export async function assertConsentUsable(deps: AppDeps, use: ConsentUse): Promise<void> {
  const outcome = await deps.store.checkConsent(
    use.tokenHash,
    use.requesterKey,
    use.csrfBinding,
    use.now,
    use.scopes,
  );
  if (outcome !== 'ok') throw consentError(outcome);
}

/** The consent token an API request carries (header) or a page request carries (cookie). */
export const consentTokenFromHeader = (request: FastifyRequest): string | undefined => {
  const header = request.headers[CONSENT_HEADER];
  return typeof header === 'string' ? header : undefined;
};
export const consentTokenFromCookie = (request: FastifyRequest): string | undefined =>
  request.cookies[CONSENT_COOKIE] || undefined;

export function setConsentCookie(reply: FastifyReply, request: FastifyRequest, token: string) {
  reply.setCookie(CONSENT_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: CONSENT_TTL_MS / 1000,
  });
}

/** The diagnosis a spent consent started (a form submitted twice finds its first diagnosis). */
export function scanStartedBy(
  deps: AppDeps,
  subject: ConsentSubject,
  token: string,
): Promise<string | undefined> {
  return deps.store.scanForConsent(hashToken(token), subject.requester.key);
}
