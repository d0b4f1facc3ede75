// The web app: explicit plugin and route registration, one error shape, and the guards every
// state-changing request passes (origin check, JSON only).
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import { fastifySSE as sse } from '@fastify/sse';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { AsnTable } from '../core/asn-table.js';
import type { CanaryHealth } from '../core/canary.js';
import type { EgressFamilyStatus } from '../core/egress-check.js';
import type { Mailer } from '../jobs/mailer.js';
import type { ScanEvents } from '../queue/scan-events.js';
import type { ScanQueue } from '../queue/scan-queue.js';
import type { VantageStatus } from '../queue/vantage-registry.js';
import type { Store } from '../store/store.js';
import { createHostCheck } from './allowed-hosts.js';
import type { AppDeps } from './app-deps.js';
import { CSRF_COOKIE } from './consent.js';
import { ApiError, toErrorEnvelope } from './errors.js';
import { buildOpenApi, collectRoutes } from './openapi.js';
import { createRateLimitCheck } from './rate-limits.js';
import { createRequesterResolver, type Requester } from './requester.js';
import { adminRoutes } from './routes/admin.js';
import { apiInfoRoutes } from './routes/api-info.js';
import { healthRoutes } from './routes/health.js';
import { orgLinkRoutes } from './routes/org-link.js';
import { orgsApiRoutes } from './routes/orgs-api.js';
import { pageRoutes } from './routes/pages.js';
import { scanRoutes } from './routes/scans.js';
import { statsRoutes } from './routes/stats.js';
import { whoamiRoutes } from './routes/whoami.js';
import { createStatsSource } from './stats-source.js';
import { createTickets } from './tickets.js';

/** JSON routes answer errors in the envelope; everything else is a page for a person. */
const isJsonRoute = (url: string) =>
  url.startsWith('/api/') ||
  url.startsWith('/openapi') ||
  url.startsWith('/healthz') ||
  url.startsWith('/readyz') ||
  url.startsWith('/assets/');

/** A browser navigating (Accept names text/html), not a script or an API client. */
const wantsHtml = (request: FastifyRequest) =>
  (request.headers.accept ?? '').toLowerCase().includes('text/html');

export interface BuildAppOptions {
  config: Config;
  store: Store;
  queue: ScanQueue;
  events: ScanEvents;
  scannerHealth?: () => CanaryHealth;
  egressStatus?: () => EgressFamilyStatus[];
  mailer?: Mailer | undefined;
  /** Signs family tickets (http/tickets.ts resolveTicketKey); unset → config's, else a key for
   *  this process only. */
  ticketKey?: string;
  /** The offline ASN table (bin/asn-import.ts); unset = no network data loaded. */
  asnTable?: AsnTable | null;
  vantageStatus?: () => VantageStatus[];
  logger?: boolean | object;
}

const BODY_LIMIT = 16 * 1024;

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  // DNS rebinding: a Host this service is not known by is refused first, on every route.
  const hostAllowed = createHostCheck(config);
  const assertHostAllowed = (request: FastifyRequest) => {
    if (!hostAllowed(request.host, request.raw.socket?.localAddress))
      throw new ApiError(
        'host_not_allowed',
        'This service does not answer to that host name. Open it at its own address.',
      );
  };
  const app = Fastify({
    // Only the configured proxies may say who the client is; an empty list trusts nobody.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: BODY_LIMIT,
    logger: options.logger ?? false,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 200 },
    // Requests Node's parser refuses (headers too large, malformed) get the same envelope.
    clientErrorHandler,
    // So do URLs the router refuses (an over-long or malformed parameter), which skip the hooks:
    // the Host is checked here as well.
    frameworkErrors: (err, request, reply) => {
      let error: unknown = err;
      try {
        assertHostAllowed(request);
      } catch (refused) {
        error = refused;
      }
      if (!isJsonRoute(request.url) && deps.renderErrorPage) {
        try {
          return deps.renderErrorPage(error, request, reply);
        } catch {
          // no cookies parsed on this path: the envelope below
        }
      }
      const { status, body } = toErrorEnvelope(error);
      return (reply as FastifyReply)
        .code(status)
        .type('application/json; charset=utf-8')
        .send(body);
    },
    ajv: {
      // Strict API: "22" is not 22, unknown fields are not dropped, no defaults invented.
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        allErrors: false,
      },
    },
  });
  const routes = collectRoutes(app);
  const all: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) all.push({ method, url: route.url });
  });
  registered.set(app, all);

  app.setErrorHandler((err, request, reply) => {
    if (!isJsonRoute(request.url) && deps.renderErrorPage) {
      if (toErrorEnvelope(err).status >= 500) request.log.error({ err }, 'request failed');
      return deps.renderErrorPage(err, request, reply);
    }
    const validation = (
      err as {
        validation?: {
          instancePath: string;
          message?: string;
          keyword: string;
          params: Record<string, unknown>;
        }[];
        validationContext?: string;
      }
    ).validation;
    const mapped = validation
      ? {
          status: 400,
          body: {
            error: {
              code: 'invalid_request',
              message: validationMessage(
                validation,
                (err as { validationContext?: string }).validationContext,
              ),
            },
          },
        }
      : toErrorEnvelope(err);
    if (mapped.status >= 500) request.log.error({ err }, 'request failed');
    if ('retryAfter' in mapped && mapped.retryAfter !== undefined)
      reply.header('retry-after', String(mapped.retryAfter));
    return reply.code(mapped.status).type('application/json; charset=utf-8').send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    // A person's browser gets the not-found page in their language; the API gets the envelope.
    if (!isJsonRoute(request.url) && wantsHtml(request) && deps.renderErrorPage)
      return deps.renderErrorPage(new ApiError('not_found', 'Not found.'), request, reply);
    return reply.code(404).send({
      error: {
        code: 'not_found',
        message: `Nothing is at ${request.method} ${request.url.split('?')[0]}.`,
      },
    });
  });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(csrfProtection, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true },
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The confirm page's script asks the family origins who we are (issue 15).
        connectSrc: [
          "'self'",
          ...[config.familyOrigins.v4, config.familyOrigins.v6].filter(
            (o): o is string => o !== undefined,
          ),
        ],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: false, // only meaningful over HTTPS; the reverse proxy sets it there
    // Forms need a real Origin for the same-origin check; the secret result link never leaves the site.
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(sse, { heartbeatInterval: 15_000 });

  const resolver = createRequesterResolver(config);
  const deps: AppDeps = {
    config,
    store: options.store,
    queue: options.queue,
    events: options.events,
    scannerHealth:
      options.scannerHealth ?? (() => ({ healthy: true, detail: 'no canary configured' })),
    egressStatus: options.egressStatus ?? (() => []),
    ...(options.vantageStatus ? { vantageStatus: options.vantageStatus } : {}),
    requesterOf: resolver,
    targetOf: resolver.forAddress,
    asnTable: options.asnTable ?? null,
    tickets: createTickets(
      options.ticketKey ?? config.ticketKey ?? randomBytes(32).toString('hex'),
    ),
    checkRateLimits: createRateLimitCheck(config, options.store),
    originOf: (request) => config.publicOrigins[0] ?? `${request.protocol}://${request.host}`,
    mailer: options.mailer,
    stats: createStatsSource({ store: options.store, config }),
  };

  app.addHook('onRequest', async (request) => assertHostAllowed(request));

  // Guards for every state-changing request.
  app.addHook('onRequest', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS')
      return;
    assertSameOrigin(request);
    if (
      request.url.startsWith('/api/') &&
      request.headers['content-length'] !== '0' &&
      request.method === 'POST'
    ) {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json')
        throw new ApiError('unsupported_media_type', 'Send the request body as application/json.');
    }
  });
  // A request with proxy headers from a peer we do not trust as a proxy: the scan will target
  // that peer (often the proxy itself). Say so in the log; pages say it to the user.
  app.addHook('onRequest', async (request) => {
    if (
      request.url.startsWith('/api/v1/scans') ||
      request.url === '/api/v1/me' ||
      request.url.startsWith('/api/v1/whoami')
    ) {
      const requester = safeRequester(deps, request);
      if (requester?.untrustedProxyHeaders)
        request.log.warn(
          'proxy headers from a peer that is not a trusted proxy were ignored; the scan targets the peer itself. Configure SELFSCAN_TRUSTED_PROXIES if a reverse proxy is in front.',
        );
    }
  });

  await app.register(async (scope) => healthRoutes(scope, deps));
  await app.register(async (scope) => apiInfoRoutes(scope, deps));
  await app.register(async (scope) => whoamiRoutes(scope, deps));
  await app.register(async (scope) => scanRoutes(scope, deps));
  await app.register(async (scope) => statsRoutes(scope, deps));
  await app.register(async (scope) => pageRoutes(scope, deps));
  await app.register(async (scope) => adminRoutes(scope, deps));
  await app.register(async (scope) => orgsApiRoutes(scope, deps));
  await app.register(async (scope) => orgLinkRoutes(scope, deps));

  app.get('/openapi.json', { schema: { hide: true } }, async () => buildOpenApi(routes, '1.0.0'));
  return app;
}

const registered = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route the app registered (method, URL pattern), for tests that try each one. */
export function registeredRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return registered.get(app) ?? [];
}

/** Fastify's default answers a refused request with its own JSON shape; ours is the envelope. */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'The request could not be read.'];
  const body = JSON.stringify({ error: { code: 'invalid_request', message } });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

function safeRequester(deps: AppDeps, request: FastifyRequest): Requester | undefined {
  try {
    return deps.requesterOf(request);
  } catch {
    return undefined;
  }
}

/** Cross-site requests may not start or delete a diagnosis: a page elsewhere must not make a
 *  visitor's browser scan the visitor without the consent the terms require. */
function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    throw new ApiError('origin_forbidden', 'Requests from other sites are not accepted.');
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = `${request.protocol}://${request.host}`;
    if (origin !== own)
      throw new ApiError('origin_forbidden', 'Requests from other sites are not accepted.');
  }
}

function validationMessage(
  errors: {
    instancePath: string;
    message?: string;
    keyword: string;
    params: Record<string, unknown>;
  }[],
  context?: string,
): string {
  const e = errors[0];
  if (!e) return 'The request is not valid.';
  const where = e.instancePath
    ? e.instancePath.replace(/^\//, '').replace(/\//g, '.')
    : (context ?? 'body');
  switch (e.keyword) {
    case 'additionalProperties':
      return `Unknown field "${String(e.params.additionalProperty)}" in the ${context ?? 'body'}.`;
    case 'uniqueItems':
      return `"${where}" lists the same port twice.`;
    case 'type':
      return `"${where}" must be ${e.params.type === 'integer' ? 'a whole number' : `of type ${String(e.params.type)}`}.`;
    case 'minimum':
    case 'maximum':
      return `"${where}" must be between 1 and 65535.`;
    case 'minItems':
      return `"${where}" must not be empty.`;
    case 'maxLength':
      return `"${where}" is too long (at most ${String(e.params.limit)} characters).`;
    case 'pattern':
      return `"${where}" must not contain control characters such as line breaks.`;
    case 'required':
      return `The field "${String(e.params.missingProperty)}" is missing.`;
    case 'const':
      return `"${where}" must be ${JSON.stringify(e.params.allowedValue)}.`;
    default:
      return `"${where}" ${e.message ?? 'is not valid'}.`;
  }
}
