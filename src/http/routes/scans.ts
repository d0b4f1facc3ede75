// The diagnosis API: consent → scan of the requester's own address → result, live and stored.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CATALOG_VERSION, presetPorts } from '../../core/catalog.js';
import {
  ConsentError,
  type ConsentOutcome,
  ScanConflictError,
  type ScanRecord,
} from '../../store/store.js';
import {
  ConsentBody,
  ConsentResponse,
  ErrorBody,
  ScanAccepted,
  ScanIdParams,
  ScanRequest,
  ScanResponse,
} from '../api-schemas.js';
import type { AppDeps } from '../build-app.js';
import { ApiError } from '../errors.js';
import { LiveStreamCaps, resultJson, streamLive } from '../live-stream.js';
import type { Requester } from '../requester.js';

export const CONSENT_TTL_MS = 10 * 60 * 1000;
export const CSRF_COOKIE = 'selfscan_csrf';
const PUBLIC_MAX_PORTS = 1055;
const LOCAL_SCAN_BODY_LIMIT = 512 * 1024;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
const newId = () => randomBytes(18).toString('base64url'); // 144 bits
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // no 0/O, 1/I/L
const newCode = () => {
  let s = '';
  for (let i = 0; i < 9; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6)}`;
};

const CONSENT_MESSAGES: Record<Exclude<ConsentOutcome, 'ok'>, string> = {
  unknown: 'The consent token is not valid. Accept the terms again to get a new one.',
  used: 'This consent token was already used for a diagnosis. Accept the terms again to run another.',
  expired: 'The consent token has expired (it is valid for 10 minutes). Accept the terms again.',
  wrong_requester:
    'This consent token was issued to another connection. Accept the terms again from this one.',
};

export function csrfBindingOf(request: FastifyRequest): string | null {
  const cookie = request.cookies[CSRF_COOKIE];
  return cookie ? hashToken(cookie) : null;
}

/** Issues a single-use consent token bound to the requester (and the browser's CSRF cookie). */
export async function issueConsent(deps: AppDeps, request: FastifyRequest, requester: Requester) {
  // Each consent is a row, spent or not: issuing is rate-limited like scans.
  await deps.checkRateLimits(request, requester, 'consent');
  const token = randomBytes(24).toString('base64url');
  const now = Date.now();
  const expiresAt = now + CONSENT_TTL_MS;
  await deps.store.createConsent({
    tokenHash: hashToken(token),
    requesterKey: requester.key,
    csrfBinding: csrfBindingOf(request),
    termsVersion: deps.config.termsVersion,
    createdAt: now,
    expiresAt,
  });
  return {
    token,
    termsVersion: deps.config.termsVersion,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

export interface StartScanInput {
  ports?: number[] | undefined;
  preset?: 'core' | 'service' | 'all' | undefined;
  label?: string | undefined;
  consentToken: string | undefined;
}

/** Everything that decides whether a diagnosis starts, shared by the API and the HTML form. */
export async function startScan(
  deps: AppDeps,
  request: FastifyRequest,
  requester: Requester,
  input: StartScanInput,
) {
  const { config, store, queue } = deps;
  if (!requester.allowed)
    throw new ApiError(
      'requester_not_allowed',
      requester.reason ?? 'This address may not be tested here.',
    );
  const ports = portsOf(deps, input);
  if (!input.consentToken)
    throw new ApiError(
      'consent_required',
      'Accept the terms first: POST /api/v1/consent gives a token for the Selfscan-Consent header.',
    );
  const tokenHash = hashToken(input.consentToken);
  const csrfBinding = csrfBindingOf(request);
  const now = Date.now();
  const consent = await store.checkConsent(tokenHash, requester.key, csrfBinding, now);
  if (consent !== 'ok') throw new ApiError('consent_invalid', CONSENT_MESSAGES[consent]);

  const health = deps.scannerHealth();
  if (!health.healthy)
    throw new ApiError(
      'scanner_unhealthy',
      deps.vantageStatus
        ? 'No scanner is available right now (scaled-out mode: no worker is alive). Please try again in a minute.'
        : 'The scanner failed its self-check, so results could not be trusted. Please try again later.',
      deps.vantageStatus ? 10 : 60,
    );
  if (await store.activeScanFor(requester.key))
    throw new ApiError(
      'scan_in_progress',
      'A diagnosis of your address is already running. Wait for it to finish.',
    );
  await deps.checkRateLimits(request, requester);
  if ((await store.countActiveScans()) >= config.queueMax)
    throw new ApiError('busy', 'The service is busy. Please try again in a minute.', 30);
  // A queue that is shutting down would refuse the job after the consent is spent: ask first.
  try {
    await queue.ping();
  } catch {
    throw new ApiError('busy', 'The service is restarting. Please try again in a minute.', 30);
  }

  const planned = ports.map((port) => ({ port, protocol: 'tcp' as const }));
  let id = newId();
  let code = newCode();
  for (let attempt = 0; ; attempt++) {
    try {
      await store.createScan(
        {
          id,
          code,
          requesterKey: requester.key,
          address: requester.display,
          addressHash: requester.hash,
          family: requester.family,
          addressClass: requester.class,
          ports: planned,
          label: input.label ?? null,
          termsVersion: config.termsVersion,
          catalogVersion: CATALOG_VERSION,
          vantage: config.vantage,
          createdAt: now,
        },
        { consumeConsent: { tokenHash, requesterKey: requester.key, csrfBinding, now } },
      );
      break;
    } catch (err) {
      if (err instanceof ConsentError)
        throw new ApiError('consent_invalid', CONSENT_MESSAGES[err.outcome]);
      if (err instanceof ScanConflictError) {
        if (err.conflict === 'active_scan')
          throw new ApiError(
            'scan_in_progress',
            'A diagnosis of your address is already running. Wait for it to finish.',
          );
        if (attempt < 3) {
          id = newId();
          code = newCode();
          continue;
        }
      }
      throw err;
    }
  }
  try {
    await queue.enqueue({
      scanId: id,
      address: requester.address,
      family: requester.family,
      ports: planned,
    });
  } catch (err) {
    await store.finishScan(id, {
      status: 'failed',
      verdict: null,
      error: { code: 'busy', message: 'The service could not queue the diagnosis.' },
      finishedAt: Date.now(),
    });
    request.log.warn({ err }, 'enqueue failed');
    throw new ApiError(
      'busy',
      'The service is busy or shutting down. Please try again in a minute.',
      30,
    );
  }
  return { id, url: `/r/${id}`, code };
}

function portsOf(deps: AppDeps, input: StartScanInput): number[] {
  const local = deps.config.mode === 'local';
  if ((input.ports === undefined) === (input.preset === undefined))
    throw new ApiError(
      'invalid_request',
      'Send exactly one of "ports" (a list of TCP ports) or "preset" ("core", "service" or "all").',
    );
  if (input.preset === 'all' && !local)
    throw new ApiError(
      'invalid_request',
      'The preset "all" (TCP 1–65535) is available only in local mode; use "service" (TCP 1–1055).',
    );
  const ports = input.ports ?? presetPorts(input.preset!);
  // The API schema refuses an empty list; the HTML form can send one (no box ticked).
  if (ports.length === 0)
    throw new ApiError('invalid_request', 'Choose at least one port to test.');
  if (!local && ports.length > PUBLIC_MAX_PORTS)
    throw new ApiError(
      'invalid_request',
      `At most ${PUBLIC_MAX_PORTS} ports can be tested at once here; you sent ${ports.length}.`,
    );
  return ports;
}

export function scanToJson(deps: AppDeps, scan: ScanRecord) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: scan.id,
    code: scan.code,
    status: scan.status,
    ...(scan.error ? { error: scan.error } : {}),
    address: scan.address,
    family: scan.family,
    class: scan.addressClass as ReturnType<AppDeps['requesterOf']>['class'],
    verdict: scan.status === 'done' ? scan.verdict : null,
    total: scan.total,
    label: scan.label,
    results: scan.results.map(resultJson),
    createdAt: new Date(scan.createdAt).toISOString(),
    startedAt: iso(scan.startedAt),
    finishedAt: iso(scan.finishedAt),
    expiresAt: new Date(scan.createdAt + deps.config.retentionDays * 86_400_000).toISOString(),
    termsVersion: scan.termsVersion,
    catalogVersion: scan.catalogVersion,
    ...(scan.timing ? { timing: scan.timing } : {}),
  };
}

const notFound = () =>
  new ApiError('not_found', 'No diagnosis has this link. It may have expired or been deleted.');

async function loadScan(deps: AppDeps, id: string): Promise<ScanRecord> {
  const scan = await deps.store.getScan(id);
  if (!scan) throw notFound();
  return scan;
}

export async function scanRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const liveCaps = new LiveStreamCaps(deps.config.liveStreams);
  const errors = {
    400: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    409: ErrorBody,
    429: ErrorBody,
    503: ErrorBody,
  };

  app.post(
    '/api/v1/consent',
    {
      schema: {
        summary: 'Accept the terms; returns a single-use token (10 minutes).',
        body: ConsentBody,
        response: { 200: ConsentResponse, ...errors },
      },
    },
    async (request) => {
      const requester = deps.requesterOf(request);
      if (!requester.allowed)
        throw new ApiError(
          'requester_not_allowed',
          requester.reason ?? 'This address may not be tested here.',
        );
      return issueConsent(deps, request, requester);
    },
  );

  app.post<{ Body: ScanRequest }>(
    '/api/v1/scans',
    {
      // Local mode allows a list of up to 65 535 ports (about 380 KB of JSON); the app-wide
      // 16 KiB limit, enough for public mode's 1055, would refuse it.
      ...(deps.config.mode === 'local' ? { bodyLimit: LOCAL_SCAN_BODY_LIMIT } : {}),
      schema: {
        summary: "Start a diagnosis of the requester's own address.",
        body: ScanRequest,
        response: { 202: ScanAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      for (const option of ['udp', 'identify', 'org'] as const) {
        if (body[option] !== undefined)
          throw new ApiError('not_supported', `The option "${option}" is not supported yet.`);
      }
      const requester = deps.requesterOf(request);
      const header = request.headers['selfscan-consent'];
      const accepted = await startScan(deps, request, requester, {
        ports: body.ports,
        preset: body.preset,
        label: body.label,
        consentToken: typeof header === 'string' ? header : undefined,
      });
      return reply.code(202).header('location', accepted.url).send(accepted);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/scans/:id',
    {
      schema: {
        summary: 'A diagnosis and its results.',
        params: ScanIdParams,
        response: { 200: ScanResponse, 404: ErrorBody },
      },
    },
    async (request) => scanToJson(deps, await loadScan(deps, request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/scans/:id',
    {
      schema: {
        summary: 'Delete a diagnosis (the holder of the link).',
        params: ScanIdParams,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!(await deps.store.deleteScan(request.params.id))) throw notFound();
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/scans/:id/events',
    {
      sse: { kind: 'only', heartbeat: true },
      schema: {
        summary: 'Live results (Server-Sent Events); Last-Event-ID resumes.',
        params: ScanIdParams,
      },
    } as never,
    async (request, reply) => {
      // The scan row only: the stream reads results itself, from where the client is.
      const scan = await deps.store.getScanHeader(request.params.id);
      if (!scan) throw notFound();
      const release = liveCaps.acquire(scan.id, deps.requesterOf(request));
      const lastHeader = request.headers['last-event-id'];
      const after = Number.parseInt(typeof lastHeader === 'string' ? lastHeader : '0', 10);
      try {
        await streamLive(reply, {
          store: deps.store,
          events: deps.events,
          scanId: scan.id,
          after: Number.isFinite(after) && after > 0 ? after : 0,
          bufferBytes: deps.config.liveStreams.bufferBytes,
          log: request.log,
        });
      } finally {
        release();
      }
    },
  );
}
