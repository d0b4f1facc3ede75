// The pages a PC user meets: terms → choose → confirm → result, server-rendered, in Japanese or
// English, working without JavaScript. The decisions are shared with the API (start-scan.ts,
// consent.ts): pages only translate forms into them and errors into friendly pages.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { presetPorts, UDP_PRESETS } from '../../core/catalog.js';
import { buildAssets } from '../../web/assets.js';
import { LANG_COOKIE, type Lang, MESSAGES, type Messages, pickLang } from '../../web/i18n/index.js';
import { ChoosePage } from '../../web/views/choose.js';
import { ConfirmPage } from '../../web/views/confirm.js';
import { LandingPage, type LandingProps } from '../../web/views/landing.js';
import type { PageContext } from '../../web/views/layout.js';
import { ResultPage, type ResultProps } from '../../web/views/result.js';
import {
  DeleteConfirmPage,
  DeletedPage,
  ErrorPage,
  PrivacyPage,
  TermsPage,
} from '../../web/views/simple-pages.js';
import type { TargetView } from '../../web/views/stacks.js';
import { PERIOD_CHOICES, type PeriodChoice, StatsPage } from '../../web/views/stats.js';
import type { AppDeps } from '../app-deps.js';
import {
  consentTokenFromCookie,
  hashToken,
  issueConsent,
  scanStartedBy,
  setConsentCookie,
} from '../consent.js';
import { loadDiagnosis, overallStatus, overallVerdict, targetsOf } from '../diagnosis.js';
import { ApiError, toErrorEnvelope } from '../errors.js';
import type { Requester } from '../requester.js';
import { startScan } from '../start-scan.js';
import { statsPeriodFor } from '../stats-source.js';

type PresetChoice = 'core' | 'service' | 'all' | 'custom';

export async function pageRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const assets = await buildAssets();
  for (const asset of [assets.css, assets.js, assets.icon]) {
    app.get(asset.path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .type(asset.type)
        .send(asset.body),
    );
  }
  // Browsers ask for /favicon.ico whatever the page says: send them to the icon.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').redirect(assets.icon.path, 301),
  );

  const context = (request: FastifyRequest, reply: FastifyReply): PageContext => {
    const lang = langOf(request, reply);
    const url = new URL(request.url, 'http://x');
    url.searchParams.delete('lang');
    // A page that answers a POST has no URL of its own (a GET there is a 404): its language
    // switch leads to the page the form came from.
    const retest = /^\/r\/([^/]+)\/retest$/.exec(url.pathname);
    const path =
      request.method === 'GET' || request.method === 'HEAD'
        ? url.pathname + url.search
        : retest
          ? `/r/${retest[1]}`
          : '/';
    return {
      lang,
      t: MESSAGES[lang],
      path,
      assets: { css: assets.css.path, js: assets.js.path, icon: assets.icon.path },
      csrfToken: reply.generateCsrf({ secure: request.protocol === 'https' }),
      operator: deps.config.operator,
      rateLimitPerHour: deps.config.rateLimit.perAddressPerHour,
      termsVersion: deps.config.termsVersion,
      mode: deps.config.mode,
      probe: deps.config.probe,
    };
  };
  const page = (reply: FastifyReply, node: VNode, status = 200) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(`<!doctype html>${render(node)}`);
  const csrf = { preHandler: app.csrfProtection };

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const ctx = context(request, reply);
    const me = deps.requesterOf(request);
    if (me.untrustedProxyHeaders)
      request.log.warn(
        'proxy headers from an untrusted peer: the diagnosis will target the peer itself',
      );
    return page(reply, <LandingPage ctx={ctx} p={landingProps(me)} />);
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/accept',
    { ...csrf, schema: { hide: true } },
    async (request, reply) => {
      const me = deps.requesterOf(request);
      if (request.body?.accept !== 'yes') {
        const ctx = context(request, reply);
        return page(
          reply,
          <LandingPage ctx={ctx} p={{ ...landingProps(me), error: ctx.t.landing.mustAccept }} />,
          400,
        );
      }
      // Each extra test is its own opt-in (a consent scope); the options cookie only remembers
      // the choice for the next pages — the consent itself is what the API checks.
      const options = (['udp', 'identify'] as const).filter((o) => request.body?.[o] === 'yes');
      const consent = await issueConsent(deps, request, { requester: me }, ['tcp', ...options]);
      setConsentCookie(reply, request, consent.token);
      reply.setCookie(OPTIONS_COOKIE, options.join(' '), {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        maxAge: 600,
      });
      return reply.redirect('/choose', 303);
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>(
    '/choose',
    { schema: { hide: true } },
    async (request, reply) => {
      if (!consentTokenFromCookie(request)) return reply.redirect('/', 303);
      const ctx = context(request, reply);
      const choice = parseChoice(request.query);
      const selected = new Set(
        choice.preset === 'custom' && choice.ports.length > 0 ? choice.ports : presetPorts('core'),
      );
      return page(
        reply,
        <ChoosePage
          ctx={ctx}
          p={{ selected, preset: request.query.preset ? choice.preset : 'core' }}
        />,
      );
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>(
    '/confirm',
    { schema: { hide: true } },
    async (request, reply) => {
      if (!consentTokenFromCookie(request)) return reply.redirect('/', 303);
      const ctx = context(request, reply);
      const choice = parseChoice(request.query);
      if (choice.ports.length === 0)
        return page(
          reply,
          <ChoosePage
            ctx={ctx}
            p={{ selected: new Set(), preset: 'custom', error: ctx.t.choose.nothingChosen }}
          />,
          400,
        );
      if (choice.preset === 'all' && deps.config.mode !== 'local')
        throw new ApiError('invalid_request', ctx.t.errors.invalid);
      const me = deps.requesterOf(request);
      const origins = deps.config.familyOrigins;
      const token = consentTokenFromCookie(request);
      const both = (origins.v4 !== undefined || origins.v6 !== undefined) && token;
      return page(
        reply,
        <ConfirmPage
          ctx={ctx}
          p={{
            address: me.display,
            ports: choice.ports,
            preset: choice.preset,
            udpPorts: optionsOf(request).udp ? udpPortsFor(choice.preset).length : 0,
            identify: optionsOf(request).identify,
            ...(both ? { origins, nonce: deps.tickets.nonceOf(hashToken(token)) } : {}),
          }}
        />,
      );
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/start',
    { ...csrf, schema: { hide: true } },
    async (request, reply) => {
      const token = consentTokenFromCookie(request);
      if (!token) return reply.redirect('/', 303);
      const subject = { requester: deps.requesterOf(request) };
      // A reload or a second click sends the same, already used token: show the first scan.
      const existing = await scanStartedBy(deps, subject, token);
      if (existing) return reply.redirect(`/r/${existing}`, 303);
      const choice = parseChoice(request.body ?? {});
      const range = choice.preset === 'service' || choice.preset === 'all';
      // Family tickets the page's script fetched from the family origins (empty without JS).
      const tickets = ([] as unknown[])
        .concat(request.body?.tickets ?? [])
        .filter((x): x is string => typeof x === 'string' && x !== '')
        .slice(0, 2);
      const options = optionsOf(request);
      const accepted = await startScan(deps, request, subject, {
        ...(range ? { preset: choice.preset as 'service' | 'all' } : { ports: choice.ports }),
        consentToken: token,
        tickets,
        ...(options.udp ? { udpPorts: udpPortsFor(choice.preset) } : {}),
        ...(options.identify ? { identify: true } : {}),
      });
      return reply.redirect(accepted.url, 303);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/r/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const d = await loadDiagnosis(deps.store, request.params.id);
      if (!d) throw new ApiError('not_found', '');
      const scan = d.primary;
      const rows = [scan, ...d.parts];
      const status = overallStatus(rows);
      const ctx = context(request, reply);
      const targets = targetsOf(scan, d.parts).map(
        (t, i): TargetView => ({
          family: t.family,
          address: t.address,
          status: t.status,
          verdict: t.verdict,
          // The page words a reason by its code; the API gives the sentence.
          ...(t.status === 'not_tested'
            ? { reason: scan.untested?.[i - rows.length]?.reason ?? 'no_ticket' }
            : {}),
          context: t.context,
        }),
      );
      const started = rows.map((r) => r.startedAt).filter((x): x is number => x !== null);
      const props: ResultProps = {
        id: scan.id,
        code: scan.code,
        status,
        ...(status === 'failed' && scan.error ? { error: scan.error } : {}),
        verdict: overallVerdict(rows, scan.untested ?? []),
        address: scan.address,
        family: scan.family,
        addressClass: scan.addressClass as ResultProps['addressClass'],
        total: rows.reduce((n, r) => n + r.total, 0),
        planned: scan.ports,
        results: rows.flatMap((r) => r.results.map((x) => ({ ...x, family: r.family }))),
        findings: rows.flatMap((r) => r.findings),
        ...(targets.length > 1 || (scan.context && deps.asnTable)
          ? {
              targets,
              ...(deps.asnTable?.info.attribution
                ? { attribution: deps.asnTable.info.attribution }
                : {}),
            }
          : {}),
        createdAt: scan.createdAt,
        startedAt: started.length > 0 ? Math.min(...started) : null,
        finishedAt:
          status === 'done' || status === 'failed'
            ? Math.max(...rows.map((r) => r.finishedAt ?? 0))
            : null,
        expiresAt: scan.createdAt + deps.config.retentionDays * 86_400_000,
        termsVersion: scan.termsVersion,
        catalogVersion: scan.catalogVersion,
        link: `${deps.originOf(request)}/r/${scan.id}`,
        now: Date.now(),
      };
      return page(reply, <ResultPage ctx={ctx} p={props} />);
    },
  );

  // Delete: a confirmation page (GET), the POST that deletes, then a redirect to a page of its
  // own, so a reload neither re-posts nor shows "not found".
  app.get<{ Params: { id: string } }>(
    '/r/:id/delete',
    { schema: { hide: true } },
    async (request, reply) => {
      const scan = await deps.store.getScan(request.params.id);
      if (!scan) throw new ApiError('not_found', '');
      return page(reply, <DeleteConfirmPage ctx={context(request, reply)} id={scan.id} />);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/r/:id/delete',
    { ...csrf, schema: { hide: true } },
    async (request, reply) => {
      if (!(await deps.store.deleteScan(request.params.id))) throw new ApiError('not_found', '');
      return reply.redirect('/deleted', 303);
    },
  );

  app.get('/deleted', { schema: { hide: true } }, async (request, reply) =>
    page(reply, <DeletedPage ctx={context(request, reply)} />),
  );

  app.post<{ Params: { id: string } }>(
    '/r/:id/retest',
    { ...csrf, schema: { hide: true } },
    async (request, reply) => {
      const scan = await deps.store.getScan(request.params.id);
      if (!scan) throw new ApiError('not_found', '');
      const subject = { requester: deps.requesterOf(request) };
      // Pressing "Test again" on a result is consent to the same terms for the same ports.
      // The same UDP ports too (the same tests); identification is not repeated (the stored
      // scan does not record that it was asked for).
      const udpPorts = scan.ports.filter((x) => x.protocol === 'udp').map((x) => x.port);
      const consent = await issueConsent(
        deps,
        request,
        subject,
        udpPorts.length > 0 ? ['tcp', 'udp'] : ['tcp'],
      );
      const accepted = await startScan(deps, request, subject, {
        ports: scan.ports.filter((x) => x.protocol === 'tcp').map((x) => x.port),
        consentToken: consent.token,
        ...(udpPorts.length > 0 ? { udpPorts } : {}),
      });
      return reply.redirect(accepted.url, 303);
    },
  );

  const privacySettings = {
    ipStorage: deps.config.ipStorage,
    retentionDays: deps.config.retentionDays,
    statsMinCell: deps.config.statsMinCell,
    behindProxy: deps.config.trustedProxies.length > 0,
  };
  app.get('/privacy', { schema: { hide: true } }, async (request, reply) =>
    page(reply, <PrivacyPage ctx={context(request, reply)} settings={privacySettings} />),
  );

  // The public statistics: a period of the last N complete weeks (or all), the same figures as
  // GET /api/v1/stats for that period.
  app.get<{ Querystring: Record<string, unknown> }>(
    '/stats',
    { schema: { hide: true } },
    async (request, reply) => {
      const asked = request.query.weeks;
      const choice = (PERIOD_CHOICES as readonly unknown[]).includes(asked)
        ? (asked as PeriodChoice)
        : '52';
      const stats = await deps.stats.get(statsPeriodFor(choice));
      return page(reply, <StatsPage ctx={context(request, reply)} stats={stats} choice={choice} />);
    },
  );

  app.get('/terms', { schema: { hide: true } }, async (request, reply) =>
    page(reply, <TermsPage ctx={context(request, reply)} />),
  );

  // Friendly error pages in the user's language for every page route.
  deps.renderErrorPage = (err, request, reply) => {
    const ctx = context(request, reply);
    const { status, body, retryAfter } = toErrorEnvelope(err);
    const e = ctx.t.errors;
    const wait =
      retryAfter !== undefined
        ? retryAfter >= 90
          ? e.minutes(Math.ceil(retryAfter / 60))
          : e.seconds(retryAfter)
        : e.minutes(1);
    const [title, text] =
      status === 404
        ? request.url.startsWith('/r/')
          ? [e.notFound, e.notFoundBody]
          : [e.pageNotFound, e.pageNotFoundBody]
        : status === 409
          ? [e.inProgress, e.inProgressBody]
          : status === 429
            ? [e.rateLimited, e.rateLimitedBody(wait)]
            : status === 503
              ? body.error.code === 'scanner_unhealthy'
                ? [e.busy, e.forbiddenBody.unhealthy]
                : body.error.code === 'database_unavailable'
                  ? [e.title, e.generic]
                  : [e.busy, e.busyBody(wait)]
              : status === 403 || status === 421
                ? [e.forbidden, forbiddenBody(e, body.error.code)]
                : status >= 500
                  ? [e.title, e.generic]
                  : [e.invalid, e.invalidBody];
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return page(reply, <ErrorPage ctx={ctx} title={title} body={text} />, status);
  };
}

/** What the terms page shows about the requester: the address to be tested and its class. */
function landingProps(me: Requester): LandingProps {
  return {
    address: me.display,
    allowed: me.allowed,
    addressClass: me.class,
    untrustedProxyHeaders: me.untrustedProxyHeaders,
  };
}

function forbiddenBody(e: Messages['errors'], code: string): string {
  if (code === 'consent_required' || code === 'consent_invalid' || code === 'consent_scope')
    return e.forbiddenBody.consent;
  if (code === 'requester_not_allowed') return e.forbiddenBody.notAllowed;
  return e.forbiddenBody.origin;
}

function langOf(request: FastifyRequest, reply: FastifyReply): Lang {
  const query = (request.query as Record<string, unknown> | undefined)?.lang;
  const body = (request.body as Record<string, unknown> | undefined)?.lang;
  const lang = pickLang(
    query ?? body,
    request.cookies[LANG_COOKIE],
    request.headers['accept-language'],
  );
  if ((query === 'ja' || query === 'en') && request.cookies[LANG_COOKIE] !== query)
    reply.setCookie(LANG_COOKIE, query, {
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      maxAge: 365 * 86400,
      secure: request.protocol === 'https',
    });
  return lang;
}

/** preset + ports from a query string or a form body; invalid ports are dropped here because
 *  they can only come from a hand-edited URL, and the confirm page shows exactly what remains. */
function parseChoice(input: Record<string, unknown>): { preset: PresetChoice; ports: number[] } {
  const raw = input.preset;
  const list = ([] as unknown[]).concat(input.ports ?? []);
  // The core ports are ticked by default: "core" with boxes sent means the boxes as ticked.
  const preset: PresetChoice =
    (raw === 'core' && list.length === 0) || raw === 'service' || raw === 'all' ? raw : 'custom';
  if (preset !== 'custom') return { preset, ports: presetPorts(preset) };
  const ports = [
    ...new Set(
      list.map((x) => Number(x)).filter((n) => Number.isInteger(n) && n >= 1 && n <= 65535),
    ),
  ].sort((a, b) => a - b);
  return { preset, ports: ports.slice(0, 1055) };
}

/** Remembers the opt-ins ticked on the landing page (issue 16) until the diagnosis starts. */
const OPTIONS_COOKIE = 'selfscan_options';

function optionsOf(request: FastifyRequest): { udp: boolean; identify: boolean } {
  const words = (request.cookies[OPTIONS_COOKIE] ?? '').split(' ');
  return { udp: words.includes('udp'), identify: words.includes('identify') };
}

function udpPortsFor(preset: string): number[] {
  return [...UDP_PRESETS[preset === 'service' || preset === 'all' ? preset : 'core']];
}
