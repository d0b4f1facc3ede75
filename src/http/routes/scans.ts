// The diagnosis API: consent → scan of the requester's own address → result, live and stored.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, sha256 } from '../admin-auth.js';
import {
  ConsentBody,
  ConsentResponse,
  ErrorBody,
  ScanAccepted,
  ScanIdParams,
  ScanRequest,
  ScanResponse,
} from '../api-schemas.js';
import type { AppDeps } from '../app-deps.js';
import { type ConsentScope, consentTokenFromHeader, issueConsent } from '../consent.js';
import {
  type Diagnosis,
  loadDiagnosis,
  overallStatus,
  overallVerdict,
  targetsOf,
} from '../diagnosis.js';
import { streamDiagnosis } from '../diagnosis-stream.js';
import { ApiError } from '../errors.js';
import { findingJson, LiveStreamCaps, resultJson, streamLive } from '../live-stream.js';
import { startScan } from '../start-scan.js';

const LOCAL_SCAN_BODY_LIMIT = 512 * 1024;

export function scanToJson(deps: AppDeps, d: Diagnosis) {
  const scan = d.primary;
  const rows = [scan, ...d.parts];
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const status = overallStatus(rows);
  const finished = rows.map((r) => r.finishedAt);
  const started = rows.map((r) => r.startedAt).filter((t): t is number => t !== null);
  return {
    id: scan.id,
    code: scan.code,
    status,
    // A failed diagnosis says why (the requester's row; else the first failed target's).
    ...(status === 'failed' && scan.error ? { error: scan.error } : {}),
    address: scan.address,
    family: scan.family,
    class: scan.addressClass as import('../../core/address.js').AddressClass,
    verdict: overallVerdict(rows, scan.untested ?? []),
    total: rows.reduce((n, r) => n + r.total, 0),
    label: scan.label,
    targets: targetsOf(scan, d.parts),
    results: rows.flatMap((r) => r.results.map((x) => ({ ...resultJson(x), family: r.family }))),
    findings: rows.flatMap((r) => r.findings.map((f) => ({ ...findingJson(f), family: r.family }))),
    createdAt: new Date(scan.createdAt).toISOString(),
    startedAt: started.length > 0 ? iso(Math.min(...started)) : null,
    finishedAt:
      status === 'done' || status === 'failed'
        ? iso(Math.max(...finished.map((f) => f ?? 0)))
        : null,
    expiresAt: new Date(scan.createdAt + deps.config.retentionDays * 86_400_000).toISOString(),
    termsVersion: scan.termsVersion,
    catalogVersion: scan.catalogVersion,
    ...(scan.timing ? { timing: scan.timing } : {}),
  };
}

const notFound = () =>
  new ApiError('not_found', 'No diagnosis has this link. It may have expired or been deleted.');

async function loadScan(deps: AppDeps, id: string): Promise<Diagnosis> {
  const d = await loadDiagnosis(deps.store, id);
  if (!d) throw notFound();
  return d;
}

/** The organisation report token of `Authorization: Bearer`, if any: 401 when it is not valid. */
async function reportTokenOf(deps: AppDeps, request: FastifyRequest) {
  if (request.headers.authorization === undefined) return undefined;
  const bearer = bearerToken(request);
  const token = bearer ? await deps.store.orgs.tokenByHash(sha256(bearer), Date.now()) : undefined;
  if (token?.kind !== 'report')
    throw new ApiError(
      'login_required',
      'The organisation token is not valid, was revoked, or may not start diagnoses.',
    );
  return token;
}

export async function scanRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const liveCaps = new LiveStreamCaps(deps.config.liveStreams);
  const errors = {
    400: ErrorBody,
    401: ErrorBody,
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
      const body = request.body as { udp?: boolean; identify?: boolean };
      const scopes: ConsentScope[] = [
        'tcp',
        ...(body.udp ? (['udp'] as const) : []),
        ...(body.identify ? (['identify'] as const) : []),
      ];
      return issueConsent(deps, request, { requester: deps.requesterOf(request) }, scopes);
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
      if (body.org !== undefined)
        throw new ApiError('not_supported', 'The option "org" is not supported yet.');
      const requester = deps.requesterOf(request);
      // A managed PC of an organisation: its report token stands for the consent its
      // organisation gave when it deployed the check (the target is still this caller's own
      // address); the consent made for it records the organisation, and the diagnosis is theirs.
      const orgToken = await reportTokenOf(deps, request);
      const subject = orgToken
        ? {
            requester,
            org: { orgId: orgToken.orgId, linkId: null, tokenId: orgToken.id, label: null },
          }
        : { requester };
      // The organisation deployed the check with its options: its consent covers what it asks.
      const orgScopes: ConsentScope[] = [
        'tcp',
        ...(body.udp || body.udpPorts ? (['udp'] as const) : []),
        ...(body.identify ? (['identify'] as const) : []),
      ];
      const consentToken = orgToken
        ? (await issueConsent(deps, request, subject, orgScopes)).token
        : consentTokenFromHeader(request);
      const accepted = await startScan(deps, request, subject, {
        ports: body.ports,
        preset: body.preset,
        label: body.label,
        consentToken,
        tickets: body.tickets,
        udp: body.udp,
        udpPorts: body.udpPorts,
        identify: body.identify,
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
      // The scan rows only: the stream reads results itself, from where the client is.
      const scan = await deps.store.getScanHeader(request.params.id);
      if (!scan || scan.diagnosisId !== null) throw notFound();
      const parts = await deps.store.diagnosisParts(scan.id);
      const release = liveCaps.acquire(scan.id, deps.requesterOf(request));
      const lastHeader = request.headers['last-event-id'];
      try {
        if (parts.length > 0) {
          await streamDiagnosis(reply, {
            store: deps.store,
            events: deps.events,
            rows: [scan, ...parts],
            untested: scan.untested ?? [],
            lastEventId: typeof lastHeader === 'string' ? lastHeader : undefined,
            bufferBytes: deps.config.liveStreams.bufferBytes,
            log: request.log,
          });
          return;
        }
        const after = Number.parseInt(typeof lastHeader === 'string' ? lastHeader : '0', 10);
        await streamLive(reply, {
          store: deps.store,
          events: deps.events,
          scanId: scan.id,
          after: Number.isFinite(after) && after > 0 ? after : 0,
          family: scan.family,
          untested: scan.untested ?? [],
          bufferBytes: deps.config.liveStreams.bufferBytes,
          log: request.log,
        });
      } finally {
        release();
      }
    },
  );
}
