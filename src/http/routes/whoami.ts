// GET /api/v1/whoami?nonce=N (issue 15): answered on every origin, and meant for the family
// origins (SELFSCAN_V4_ORIGIN, SELFSCAN_V6_ORIGIN), whose DNS names only one family, so the
// browser has to connect over that family. The answer names the address of THIS connection (the
// socket peer after trusted-proxy resolution, like every requester address) and carries a ticket
// for it (http/tickets.ts). CORS: only here, and only for the main origin
// (SELFSCAN_PUBLIC_ORIGIN's first), for a simple GET without credentials (no preflight).
import type { FastifyInstance } from 'fastify';
import { ErrorBody, WhoamiQuery, WhoamiResponse } from '../api-schemas.js';
import type { AppDeps } from '../app-deps.js';

export async function whoamiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const mainOrigin = deps.config.publicOrigins[0];
  app.get<{ Querystring: WhoamiQuery }>(
    '/api/v1/whoami',
    {
      schema: {
        summary:
          "This connection's own address and a ticket for it (family origins; CORS for the main origin only).",
        querystring: WhoamiQuery,
        response: { 200: WhoamiResponse, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      reply.header('vary', 'Origin');
      if (mainOrigin !== undefined && request.headers.origin === mainOrigin)
        reply.header('access-control-allow-origin', mainOrigin);
      const me = deps.requesterOf(request);
      const nonce = request.query.nonce;
      const issued =
        me.allowed && nonce !== undefined
          ? deps.tickets.issue(me.address, me.family, nonce, Date.now())
          : undefined;
      return {
        address: me.display,
        family: me.family,
        class: me.class,
        allowed: me.allowed,
        ...(me.reason ? { reason: me.reason } : {}),
        ticket: issued?.ticket ?? null,
        expiresAt: issued ? new Date(issued.expiresAt).toISOString() : null,
      };
    },
  );
}
