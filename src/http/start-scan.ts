// Everything that decides whether a diagnosis starts, shared by the API and the HTML form:
// requester allowed, ports valid, consent usable, scanner healthy, one active diagnosis per
// requester, rate limits, queue room — then the row (consent spent in the same transaction)
// and the job.
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { CATALOG_VERSION, presetPorts } from '../core/catalog.js';
import { ConsentError, ScanConflictError } from '../store/store.js';
import type { AppDeps } from './app-deps.js';
import {
  assertConsentUsable,
  type ConsentScope,
  type ConsentSubject,
  consentError,
  consentUse,
} from './consent.js';
import { ApiError } from './errors.js';

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
  /** What the diagnosis will do beyond TCP; the consent must cover each. Default TCP only. */
  scopes?: readonly ConsentScope[];
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
  const consent = consentUse(request, subject, input.consentToken, input.scopes);
  await assertConsentUsable(deps, consent);

  const health = deps.scannerHealth();
  if (!health.healthy)
    throw new ApiError(
      'scanner_unhealthy',
      'The scanner failed its self-check, so results could not be trusted. Please try again later.',
      60,
    );
  if (await store.activeScanFor(requester.key))
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
          createdAt: consent.now,
        },
        { consumeConsent: consent },
      );
      break;
    } catch (err) {
      if (err instanceof ConsentError) throw consentError(err.outcome);
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
