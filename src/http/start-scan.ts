// Everything that decides whether a diagnosis starts, shared by the API and the HTML form:
// requester allowed, ports valid, consent usable, scanner healthy, one active diagnosis per
// requester, rate limits, queue room — then the row (consent spent in the same transaction)
// and the job.
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { describeTargets } from '../core/address-context.js';
import { CATALOG_VERSION, presetPorts, UDP_PRESETS } from '../core/catalog.js';
import {
  ConsentError,
  type NewScan,
  type PlannedPort,
  ScanConflictError,
  type TicketSpend,
  TicketSpentError,
  type UntestedTarget,
} from '../store/store.js';
import type { AppDeps } from './app-deps.js';
import {
  assertConsentUsable,
  type ConsentScope,
  type ConsentSubject,
  consentError,
  consentUse,
} from './consent.js';
import { ApiError } from './errors.js';
import type { Requester } from './requester.js';
import { TicketError, type TicketProblem } from './tickets.js';

const PUBLIC_MAX_PORTS = 1055;

const newId = () => randomBytes(18).toString('base64url'); // 144 bits
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // no 0/O, 1/I/L
const newCode = () => {
  let s = '';
  for (let i = 0; i < 9; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6)}`;
};

export interface StartScanInput {
  ports?: number[] | undefined;
  preset?: 'core' | 'service' | 'all' | undefined;
  label?: string | undefined;
  consentToken: string | undefined;
  /** Add the UDP entries of the preset (scope `udp`). */
  udp?: boolean | undefined;
  /** UDP ports listed explicitly (scope `udp`). */
  udpPorts?: number[] | undefined;
  /** Identify services on open TCP ports (scope `identify`). */
  identify?: boolean | undefined;
  /** Family tickets (GET /api/v1/whoami): the diagnosis also covers their addresses. */
  tickets?: readonly string[] | undefined;
}

const TICKET_MESSAGES: Record<TicketProblem | 'reused' | 'family' | 'policy', string> = {
  malformed: 'A ticket is not one this service issued.',
  signature: 'A ticket is not one this service issued (its signature does not match).',
  expired:
    'A ticket has expired (tickets are valid for 2 minutes). Reload the page to get fresh ones.',
  nonce:
    'A ticket was issued for another consent. Tickets join only the diagnosis of the consent whose nonce they carry.',
  reused: 'A ticket was already used for a diagnosis. Reload the page to get fresh ones.',
  family: 'Send at most one ticket per address family (one IPv4, one IPv6).',
  policy: 'The address a ticket names may not be tested here.',
};

const ticketInvalid = (why: keyof typeof TICKET_MESSAGES) =>
  new ApiError('ticket_invalid', TICKET_MESSAGES[why]);

/** The further targets the tickets name: verified, at most one per family, not spent, allowed,
 *  without the requester's own address. Throws 400 ticket_invalid; nothing is started. */
async function ticketTargets(
  deps: AppDeps,
  requester: Requester,
  tickets: readonly string[],
  consentTokenHash: string,
  now: number,
): Promise<{ targets: Requester[]; spends: TicketSpend[] }> {
  if (tickets.length === 0) return { targets: [], spends: [] };
  const nonce = deps.tickets.nonceOf(consentTokenHash);
  const claims = tickets.map((t) => {
    try {
      return deps.tickets.verify(t, nonce, now);
    } catch (err) {
      if (err instanceof TicketError) throw ticketInvalid(err.problem);
      throw err;
    }
  });
  if (new Set(claims.map((c) => c.family)).size !== claims.length) throw ticketInvalid('family');
  if ((await deps.store.spentTickets(claims.map((c) => c.id))).length > 0)
    throw ticketInvalid('reused');
  const targets: Requester[] = [];
  for (const claim of claims) {
    if (claim.address === requester.address) continue; // the same address: covered already
    const target = deps.targetOf(claim.address);
    if (!target.allowed) throw ticketInvalid('policy');
    targets.push(target);
  }
  return {
    targets,
    spends: claims.map((c) => ({ id: c.id, expiresAt: c.expiresAt })),
  };
}

/** The families a diagnosis leaves untested: each configured family origin with no target. */
function untestedFamilies(deps: AppDeps, covered: readonly (4 | 6)[]): UntestedTarget[] {
  const out: UntestedTarget[] = [];
  const origins = deps.config.familyOrigins;
  const egress = deps.egressStatus();
  for (const family of [4, 6] as const) {
    if (covered.includes(family)) continue;
    if ((family === 4 ? origins.v4 : origins.v6) === undefined) continue;
    // The egress reference of that family is unreachable: this server has no way out over it.
    const status = egress.find((e) => e.family === family);
    out.push({ family, reason: status?.unreachable ? 'no_egress' : 'no_ticket' });
  }
  return out;
}

export interface StartedScan {
  id: string;
  url: string;
  code: string;
}

export async function startScan(
  deps: AppDeps,
  request: FastifyRequest,
  subject: ConsentSubject,
  input: StartScanInput,
): Promise<StartedScan> {
  const { config, store, queue } = deps;
  const { requester } = subject;
  if (!requester.allowed)
    throw new ApiError(
      'requester_not_allowed',
      requester.reason ?? 'This address may not be tested here.',
    );
  const ports = portsOf(deps, input);
  const udpPorts = udpPortsOf(input);
  const scopes: ConsentScope[] = [
    'tcp',
    ...(udpPorts.length > 0 ? (['udp'] as const) : []),
    ...(input.identify ? (['identify'] as const) : []),
  ];
  const consent = consentUse(request, subject, input.consentToken, scopes);
  await assertConsentUsable(deps, consent);
  const { targets: extra, spends } = await ticketTargets(
    deps,
    requester,
    input.tickets ?? [],
    consent.tokenHash,
    consent.now,
  );

  const health = deps.scannerHealth();
  if (!health.healthy)
    throw new ApiError(
      'scanner_unhealthy',
      'The scanner failed its self-check, so results could not be trusted. Please try again later.',
      60,
    );
  for (const target of [requester, ...extra])
    if (await store.activeScanFor(target.key))
      throw new ApiError(
        'scan_in_progress',
        'A diagnosis of your address is already running. Wait for it to finish.',
      );
  await deps.checkRateLimits(requester);
  if ((await store.countActiveScans()) >= config.queueMax)
    throw new ApiError('busy', 'The service is busy. Please try again in a minute.', 30);
  // A queue that is shutting down would refuse the job after the consent is spent: ask first.
  try {
    await queue.ping();
  } catch {
    throw new ApiError('busy', 'The service is restarting. Please try again in a minute.', 30);
  }

  const planned: PlannedPort[] = [
    ...ports.map((port) => ({ port, protocol: 'tcp' as const })),
    ...udpPorts.map((port) => ({ port, protocol: 'udp' as const })),
  ];
  const all = [requester, ...extra];
  const contexts = describeTargets(all, {
    asn: deps.asnTable,
    untrustedProxy: requester.untrustedProxyHeaders,
  });
  const untested = untestedFamilies(
    deps,
    all.map((t) => t.family),
  );
  const rowOf = (target: Requester, i: number, id: string, code: string): NewScan => ({
    id,
    code,
    requesterKey: target.key,
    address: target.display,
    addressHash: target.hash,
    family: target.family,
    addressClass: target.class,
    ports: planned,
    label: input.label ?? null,
    termsVersion: config.termsVersion,
    catalogVersion: CATALOG_VERSION,
    vantage: config.vantage,
    createdAt: consent.now,
    context: { ...contexts[i] },
    ...(i === 0 ? { untested } : {}),
  });
  let id = newId();
  let code = newCode();
  let parts: NewScan[] = [];
  for (let attempt = 0; ; attempt++) {
    parts = extra.map((t, i) => rowOf(t, i + 1, newId(), newCode()));
    try {
      await store.createScan(rowOf(requester, 0, id, code), {
        consumeConsent: consent,
        parts,
        spendTickets: spends,
      });
      break;
    } catch (err) {
      if (err instanceof ConsentError) throw consentError(err.outcome);
      if (err instanceof TicketSpentError) throw ticketInvalid('reused');
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
  const jobs = [
    { scanId: id, target: requester },
    ...parts.map((p, i) => ({ scanId: p.id, target: extra[i]! })),
  ];
  try {
    for (const job of jobs)
      await queue.enqueue({
        scanId: job.scanId,
        address: job.target.address,
        family: job.target.family,
        ports: planned,
        ...(input.identify ? { identify: true } : {}),
      });
  } catch (err) {
    for (const job of jobs)
      await store.finishScan(job.scanId, {
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

/** The UDP ports asked for: `udpPorts`, or with `"udp": true` the preset's UDP entries. */
function udpPortsOf(input: StartScanInput): number[] {
  if (input.udpPorts !== undefined && input.udp === false)
    throw new ApiError('invalid_request', '"udpPorts" cannot be combined with "udp": false.');
  if (input.udpPorts !== undefined) return [...input.udpPorts];
  if (!input.udp) return [];
  return [...UDP_PRESETS[input.preset ?? 'core']];
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
