// The dashboard's page frame, shared by /admin and the diagnosis link's page (/o/<token>): the
// page context (language, strings, CSRF token, the signed-in account and organisation of the
// request, set by the guards) and the HTML answer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { Account, Org } from '../store/org-store.js';
import { buildAssets } from '../web/assets.js';
import { ADMIN_MESSAGES } from '../web/i18n/admin.js';
import { LANG_COOKIE, MESSAGES, pickLang } from '../web/i18n/index.js';
import type { AdminContext } from '../web/views/admin.js';
import type { PageContext } from '../web/views/layout.js';
import type { AppDeps } from './app-deps.js';
import { ApiError } from './errors.js';

type Body = Record<string, unknown>;

export const accounts = new WeakMap<FastifyRequest, Account>();
export const orgsOf = new WeakMap<FastifyRequest, Org>();

/** The account a guarded route runs for (set by the session guard). */
export function accountOf(request: FastifyRequest): Account {
  const a = accounts.get(request);
  if (!a) throw new ApiError('login_required', 'Please sign in.');
  return a;
}
export function orgOf(request: FastifyRequest): Org {
  const o = orgsOf.get(request);
  if (!o) throw new ApiError('not_found', 'Not found.');
  return o;
}

/** Builds the page context of the dashboard (and of the diagnosis link's page): language,
 *  strings, CSRF token, the signed-in account and organisation of the request. */
export async function createAdminContext(deps: AppDeps) {
  const { config } = deps;
  const assets = await buildAssets();
  return (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { account?: Account; org?: Org } = {},
  ): AdminContext => {
    const lang = pickLang(
      (request.query as Body | undefined)?.lang ?? (request.body as Body | undefined)?.lang,
      request.cookies[LANG_COOKIE],
      request.headers['accept-language'],
    );
    const url = new URL(request.url, 'http://x');
    url.searchParams.delete('lang');
    const ctx: PageContext = {
      lang,
      t: MESSAGES[lang],
      path:
        request.method === 'GET'
          ? url.pathname + url.search
          : url.pathname.replace(/\/accept$/, ''),
      assets: { css: assets.css.path, js: assets.js.path, icon: assets.icon.path },
      csrfToken: reply.generateCsrf({ secure: request.protocol === 'https' }),
      operator: config.operator,
      rateLimitPerHour: config.rateLimit.perAddressPerHour,
      termsVersion: config.termsVersion,
      mode: config.mode,
      probe: config.probe,
    };
    const account = extra.account ?? accounts.get(request);
    const org = extra.org ?? orgsOf.get(request);
    return {
      ctx,
      a: ADMIN_MESSAGES[lang],
      ...(account ? { account } : {}),
      ...(org ? { org } : {}),
    };
  };
}

export function sendPage(reply: FastifyReply, node: VNode, status = 200) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>${render(node)}`);
}
