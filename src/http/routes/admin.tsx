// /admin: the organisation dashboard. Every route except sign-in and password reset needs a
// session; every route under /admin/orgs/:org needs an account of that organisation (or the
// operator); every POST carries the CSRF token. The guards run as preHandlers in a fixed order —
// session, organisation, CSRF — so a request without a session gets 401 whatever else it lacks.
// Ids of another organisation's objects are not found (404): the store scopes every query by the
// organisation (store/org-store.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { Mailer } from '../../jobs/mailer.js';
import { type Account, DuplicateAccountError, type Org } from '../../store/org-store.js';
import { buildAssets } from '../../web/assets.js';
import { ADMIN_MESSAGES } from '../../web/i18n/admin.js';
import { LANG_COOKIE, MESSAGES, pickLang } from '../../web/i18n/index.js';
import {
  AccountPage,
  type AdminContext,
  AdminsPage,
  type DashboardFilter,
  DashboardPage,
  DiagnosisPage,
  LinksPage,
  LoginPage,
  MessagePage,
  NewPasswordPage,
  OrgListPage,
  ResetRequestPage,
  SettingsPage,
  TokensPage,
} from '../../web/views/admin.js';
import type { PageContext } from '../../web/views/layout.js';
import {
  currentAccount,
  endSession,
  hashPassword,
  mayAccessOrg,
  newId,
  newSecret,
  newTotpSecret,
  passwordProblem,
  RESET_TTL_MS,
  sha256,
  startSession,
  throttleLogin,
  totpUri,
  totpValid,
  verifyPassword,
} from '../admin-auth.js';
import type { AppDeps } from '../app-deps.js';
import { ApiError, toErrorEnvelope } from '../errors.js';
import { diagnosesCsv, parseDiagnosisFilter } from '../org-diagnoses.js';

type Body = Record<string, unknown>;
type OrgParams = { org: string };

const accounts = new WeakMap<FastifyRequest, Account>();
const orgsOf = new WeakMap<FastifyRequest, Org>();

/** The account a guarded route runs for (set by the session guard). */
export function accountOf(request: FastifyRequest): Account {
  const a = accounts.get(request);
  if (!a) throw new ApiError('login_required', 'Please sign in.');
  return a;
}
function orgOf(request: FastifyRequest): Org {
  const o = orgsOf.get(request);
  if (!o) throw new ApiError('not_found', 'Not found.');
  return o;
}

const field = (body: unknown, name: string): string => {
  const v = (body as Body | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
};

/** Admin URLs that answer without a session (sign-in and password reset). Tests check that
 *  every other /admin route refuses a request without one. */
export const PUBLIC_ADMIN_ROUTES: readonly string[] = [
  'GET /admin/login',
  'POST /admin/login',
  'GET /admin/reset',
  'POST /admin/reset',
  'GET /admin/reset/:token',
  'POST /admin/reset/:token',
];

/** Builds the page context of the dashboard (and of the diagnosis link's page): language,
 *  strings, CSRF token, the signed-in account and organisation of the request. */
export async function createAdminContext(deps: AppDeps & { mailer?: Mailer | undefined }) {
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

export async function adminRoutes(
  app: FastifyInstance,
  deps: AppDeps & { mailer?: Mailer | undefined },
): Promise<void> {
  const { store, config } = deps;
  const orgs = store.orgs;

  const adminContext = await createAdminContext(deps);
  const page = sendPage;

  // --- guards ----------------------------------------------------------------------------------
  const requireSession = async (request: FastifyRequest) => {
    const account = await currentAccount(orgs, request);
    if (!account) throw new ApiError('login_required', 'Please sign in.');
    accounts.set(request, account);
  };
  const requireOperator = async (request: FastifyRequest) => {
    if (accountOf(request).role !== 'operator')
      throw new ApiError('not_permitted', 'Only the operator may do this.');
  };
  const requireOrg = async (request: FastifyRequest) => {
    const account = accountOf(request);
    const orgId = (request.params as OrgParams).org;
    // Another organisation's admin learns nothing, not even whether the id exists.
    if (!mayAccessOrg(account, orgId))
      throw new ApiError('not_permitted', 'Your account may not open this organisation.');
    const org = await orgs.getOrg(orgId);
    if (!org) throw new ApiError('not_found', 'No such organisation.');
    orgsOf.set(request, org);
  };
  const csrf = app.csrfProtection;
  const signedIn = { preHandler: [requireSession] };
  const signedInPost = { preHandler: [requireSession, csrf] };
  const inOrg = { preHandler: [requireSession, requireOrg] };
  const inOrgPost = { preHandler: [requireSession, requireOrg, csrf] };
  const hide = { schema: { hide: true } };

  app.setErrorHandler((err, request, reply) => {
    const { status, body, retryAfter } = toErrorEnvelope(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    const ac = adminContext(request, reply);
    const a = ac.a;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    if (body.error.code === 'login_required')
      return page(
        reply,
        <LoginPage
          ac={{ ...ac, account: undefined } as AdminContext}
          error={a.errors.loginRequired}
        />,
        401,
      );
    if (body.error.code === 'rate_limited')
      return page(reply, <LoginPage ac={ac} error={ctxText(ac, 'rate')} />, 429);
    if (status === 403)
      return page(
        reply,
        <MessagePage ac={ac} title={a.errors.notPermitted} text={a.errors.notPermitted} />,
        403,
      );
    if (status === 404)
      return page(
        reply,
        <MessagePage ac={ac} title={a.errors.notFound} text={a.errors.notFound} />,
        404,
      );
    if (deps.renderErrorPage) return deps.renderErrorPage(err, request, reply);
    return reply.code(status).send(body);
  });

  // --- sign-in, sign-out, password reset -------------------------------------------------------
  app.get('/admin/login', hide, async (request, reply) => {
    const ac = adminContext(request, reply);
    const reset = (request.query as Body).reset === '1';
    return page(reply, <LoginPage ac={ac} {...(reset ? { notice: ac.a.login.resetDone } : {})} />);
  });

  app.post('/admin/login', { ...hide, preHandler: [csrf] }, async (request, reply) => {
    const email = field(request.body, 'email').toLowerCase().slice(0, 254);
    const password = field(request.body, 'password');
    const code = field(request.body, 'code');
    await throttleLogin(store, deps.requesterOf(request), email);
    const account = email ? await orgs.accountByEmail(email) : undefined;
    const passwordOk = await verifyPassword(password, account?.passwordHash ?? null);
    const totpOk =
      !account?.totpEnabled || (account.totpSecret !== null && totpValid(account.totpSecret, code));
    if (!account || !passwordOk || !totpOk) {
      const ac = adminContext(request, reply);
      return page(reply, <LoginPage ac={ac} error={ac.a.login.failed} email={email} />, 401);
    }
    // A new session on every sign-in: a session id planted before sign-in is worth nothing.
    await startSession(orgs, request, reply, account);
    return reply.redirect('/admin', 303);
  });

  app.post('/admin/logout', { ...hide, ...signedInPost }, async (request, reply) => {
    await endSession(orgs, request, reply);
    return reply.redirect('/admin/login', 303);
  });

  app.get('/admin/reset', hide, async (request, reply) =>
    page(reply, <ResetRequestPage ac={adminContext(request, reply)} />),
  );

  app.post('/admin/reset', { ...hide, preHandler: [csrf] }, async (request, reply) => {
    const email = field(request.body, 'email').toLowerCase().slice(0, 254);
    await throttleLogin(store, deps.requesterOf(request), email);
    const ac = adminContext(request, reply);
    if (!deps.mailer) return page(reply, <ResetRequestPage ac={ac} notice={ac.a.reset.noMail} />);
    const account = email ? await orgs.accountByEmail(email) : undefined;
    if (account) {
      const link = await newResetLink(account.id, request);
      await deps.mailer
        .send({
          to: account.email,
          subject: '[selfscan] Set your password / パスワードの設定',
          text: `${link}\n\nThis link is valid for one hour. / このリンクは1時間有効です。\n`,
        })
        .catch((err) => request.log.warn({ err }, 'password reset mail not sent'));
    }
    // The same answer whether or not the account exists.
    return page(reply, <ResetRequestPage ac={ac} notice={ac.a.reset.sent} />);
  });

  const newResetLink = async (accountId: string, request: FastifyRequest) => {
    const token = newSecret();
    await orgs.createPasswordReset({
      tokenHash: sha256(token),
      accountId,
      expiresAt: Date.now() + RESET_TTL_MS,
    });
    return `${deps.originOf(request)}/admin/reset/${token}`;
  };

  app.get<{ Params: { token: string } }>('/admin/reset/:token', hide, async (request, reply) =>
    page(
      reply,
      <NewPasswordPage
        ac={adminContext(request, reply)}
        action={`/admin/reset/${encodeURIComponent(request.params.token)}`}
      />,
    ),
  );

  app.post<{ Params: { token: string } }>(
    '/admin/reset/:token',
    { ...hide, preHandler: [csrf] },
    async (request, reply) => {
      const ac = adminContext(request, reply);
      const password = field(request.body, 'password');
      const action = `/admin/reset/${encodeURIComponent(request.params.token)}`;
      const problem = passwordProblem(password);
      if (problem)
        return page(
          reply,
          <NewPasswordPage ac={ac} action={action} error={ac.a.errors.passwordShort(12)} />,
          400,
        );
      const used = await orgs.usePasswordReset(
        sha256(request.params.token),
        await hashPassword(password),
        Date.now(),
      );
      if (!used)
        return page(
          reply,
          <NewPasswordPage ac={ac} action={action} error={ac.a.reset.invalid} />,
          400,
        );
      return reply.redirect('/admin/login?reset=1', 303);
    },
  );

  // --- the operator's overview and the account page --------------------------------------------
  app.get('/admin', { ...hide, ...signedIn }, async (request, reply) => {
    const account = accountOf(request);
    if (account.role !== 'operator') return reply.redirect(`/admin/orgs/${account.orgId}`, 303);
    const ac = adminContext(request, reply);
    const created = (request.query as Body).created === '1';
    return page(
      reply,
      <OrgListPage
        ac={ac}
        orgs={await orgs.listOrgs()}
        {...(created ? { notice: ac.a.orgs.created } : {})}
      />,
    );
  });

  app.post(
    '/admin/orgs',
    { ...hide, preHandler: [requireSession, requireOperator, csrf] },
    async (request, reply) => {
      const name = field(request.body, 'name').slice(0, 100);
      if (!name) throw new ApiError('invalid_request', 'The organisation needs a name.');
      const id = newId();
      await orgs.createOrg({ id, name, webhookSecret: newSecret(), createdAt: Date.now() });
      return reply.redirect(`/admin/orgs/${id}`, 303);
    },
  );

  app.get('/admin/account', { ...hide, ...signedIn }, async (request, reply) => {
    const ac = adminContext(request, reply);
    return page(reply, <AccountPage ac={ac} />);
  });

  app.post('/admin/account/totp', { ...hide, ...signedInPost }, async (request, reply) => {
    const account = accountOf(request);
    const action = field(request.body, 'action');
    const code = field(request.body, 'code');
    const ac = adminContext(request, reply);
    if (action === 'disable') {
      if (!account.totpSecret || !totpValid(account.totpSecret, code))
        return page(reply, <AccountPage ac={ac} error={ac.a.account.badCode} />, 400);
      await orgs.setTotp(account.id, null, false);
      return reply.redirect('/admin/account', 303);
    }
    if (account.totpEnabled) return reply.redirect('/admin/account', 303);
    // Step 1: a new secret, stored but not yet in force; step 2: a code from it turns it on.
    if (!code || !account.totpSecret) {
      const secret = newTotpSecret();
      await orgs.setTotp(account.id, secret, false);
      return page(
        reply,
        <AccountPage ac={ac} pendingSecret={secret} pendingUri={totpUri(secret, account.email)} />,
      );
    }
    if (!totpValid(account.totpSecret, code))
      return page(
        reply,
        <AccountPage
          ac={ac}
          pendingSecret={account.totpSecret}
          pendingUri={totpUri(account.totpSecret, account.email)}
          error={ac.a.account.badCode}
        />,
        400,
      );
    await orgs.setTotp(account.id, account.totpSecret, true);
    return reply.redirect('/admin/account', 303);
  });

  app.post('/admin/account/password', { ...hide, ...signedInPost }, async (request, reply) => {
    const account = accountOf(request);
    const ac = adminContext(request, reply);
    const current = field(request.body, 'current');
    const password = field(request.body, 'password');
    if (!(await verifyPassword(current, account.passwordHash)))
      return page(reply, <AccountPage ac={ac} error={ac.a.account.wrongPassword} />, 400);
    if (passwordProblem(password))
      return page(reply, <AccountPage ac={ac} error={ac.a.errors.passwordShort(12)} />, 400);
    // Every session ends (setPassword); this browser gets a fresh one.
    await orgs.setPassword(account.id, await hashPassword(password));
    await startSession(orgs, request, reply, account);
    return page(reply, <AccountPage ac={ac} notice={ac.a.account.changed} />);
  });

  // --- one organisation ------------------------------------------------------------------------
  app.get<{ Params: OrgParams; Querystring: Body }>(
    '/admin/orgs/:org',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      const { filter, view } = dashboardFilter(request.query);
      const [diagnoses, summary, deliveries] = await Promise.all([
        orgs.listDiagnoses(org.id, { ...filter, limit: 200 }),
        orgs.portSummary(org.id, filter),
        orgs.listDeliveries(org.id, 20),
      ]);
      return page(
        reply,
        <DashboardPage
          ac={adminContext(request, reply)}
          org={org}
          filter={view}
          diagnoses={diagnoses}
          summary={summary}
          deliveries={deliveries}
        />,
      );
    },
  );

  app.get<{ Params: OrgParams; Querystring: Body }>(
    '/admin/orgs/:org/diagnoses.csv',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      const { filter } = dashboardFilter(request.query);
      const rows = await orgs.listDiagnoses(org.id, { ...filter, limit: 100_000 });
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="selfscan-${org.id}-diagnoses.csv"`)
        .type('text/csv; charset=utf-8')
        .send(diagnosesCsv(rows));
    },
  );

  app.get<{ Params: OrgParams & { scan: string } }>(
    '/admin/orgs/:org/diagnoses/:scan',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      const scan = await orgs.getDiagnosis(org.id, request.params.scan);
      if (!scan) throw new ApiError('not_found', 'No such diagnosis.');
      return page(reply, <DiagnosisPage ac={adminContext(request, reply)} org={org} scan={scan} />);
    },
  );

  app.post<{ Params: OrgParams & { scan: string } }>(
    '/admin/orgs/:org/diagnoses/:scan/delete',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      if (!(await orgs.deleteDiagnosis(org.id, request.params.scan)))
        throw new ApiError('not_found', 'No such diagnosis.');
      return reply.redirect(`/admin/orgs/${org.id}`, 303);
    },
  );

  app.get<{ Params: OrgParams }>(
    '/admin/orgs/:org/links',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      return page(
        reply,
        <LinksPage
          ac={adminContext(request, reply)}
          org={org}
          links={await orgs.listLinks(org.id)}
          origin={deps.originOf(request)}
          now={Date.now()}
        />,
      );
    },
  );

  app.post<{ Params: OrgParams }>(
    '/admin/orgs/:org/links',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      const name = field(request.body, 'name').slice(0, 100);
      const mode = field(request.body, 'labelMode');
      const days = field(request.body, 'expiresDays');
      if (!name) throw new ApiError('invalid_request', 'The link needs a name.');
      if (mode !== 'none' && mode !== 'optional' && mode !== 'required')
        throw new ApiError('invalid_request', 'Choose how the label field is asked.');
      if (days !== '' && !/^[1-9]\d{0,3}$/.test(days))
        throw new ApiError('invalid_request', 'The validity is a number of days (1–9999).');
      const now = Date.now();
      await orgs.createLink({
        id: newId(),
        orgId: org.id,
        token: newSecret(), // 256 bits
        name,
        labelMode: mode,
        expiresAt: days === '' ? null : now + Number(days) * 86_400_000,
        createdAt: now,
      });
      return reply.redirect(`/admin/orgs/${org.id}/links`, 303);
    },
  );

  app.post<{ Params: OrgParams & { link: string } }>(
    '/admin/orgs/:org/links/:link/revoke',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      if (!(await orgs.revokeLink(org.id, request.params.link, Date.now())))
        throw new ApiError('not_found', 'No such link.');
      return reply.redirect(`/admin/orgs/${org.id}/links`, 303);
    },
  );

  app.get<{ Params: OrgParams }>(
    '/admin/orgs/:org/tokens',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      return page(
        reply,
        <TokensPage
          ac={adminContext(request, reply)}
          org={org}
          tokens={await orgs.listTokens(org.id)}
        />,
      );
    },
  );

  app.post<{ Params: OrgParams }>(
    '/admin/orgs/:org/tokens',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      const name = field(request.body, 'name').slice(0, 100);
      const kind = field(request.body, 'kind');
      if (!name) throw new ApiError('invalid_request', 'The token needs a name.');
      if (kind !== 'report' && kind !== 'read')
        throw new ApiError('invalid_request', 'Choose the kind of token.');
      // The prefix tells a leaked token's origin in a secret scanner; the rest is 256 bits.
      const token = `ssorg_${newSecret()}`;
      await orgs.createToken({
        id: newId(),
        orgId: org.id,
        tokenHash: sha256(token),
        name,
        kind,
        createdAt: Date.now(),
      });
      // Shown once, on this answer only (no-store): the store keeps the hash.
      return page(
        reply,
        <TokensPage
          ac={adminContext(request, reply)}
          org={org}
          tokens={await orgs.listTokens(org.id)}
          created={token}
        />,
      );
    },
  );

  app.post<{ Params: OrgParams & { token: string } }>(
    '/admin/orgs/:org/tokens/:token/revoke',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      if (!(await orgs.revokeToken(org.id, request.params.token, Date.now())))
        throw new ApiError('not_found', 'No such token.');
      return reply.redirect(`/admin/orgs/${org.id}/tokens`, 303);
    },
  );

  app.get<{ Params: OrgParams; Querystring: Body }>(
    '/admin/orgs/:org/settings',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const ac = adminContext(request, reply);
      const saved = request.query.saved === '1';
      return page(
        reply,
        <SettingsPage
          ac={ac}
          org={orgOf(request)}
          defaultRetentionDays={config.retentionDays}
          notice={saved ? ac.a.settings.saved : undefined}
        />,
      );
    },
  );

  app.post<{ Params: OrgParams }>(
    '/admin/orgs/:org/settings',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      const settings = parseSettings(request.body);
      if (!settings) {
        const ac = adminContext(request, reply);
        return page(
          reply,
          <SettingsPage
            ac={ac}
            org={org}
            defaultRetentionDays={config.retentionDays}
            error={ac.a.settings.invalid}
          />,
          400,
        );
      }
      await orgs.updateOrgSettings(org.id, settings);
      return reply.redirect(`/admin/orgs/${org.id}/settings?saved=1`, 303);
    },
  );

  app.get<{ Params: OrgParams }>(
    '/admin/orgs/:org/admins',
    { ...hide, ...inOrg },
    async (request, reply) => {
      const org = orgOf(request);
      return page(
        reply,
        <AdminsPage
          ac={adminContext(request, reply)}
          org={org}
          admins={await orgs.listAccounts(org.id)}
        />,
      );
    },
  );

  app.post<{ Params: OrgParams }>(
    '/admin/orgs/:org/admins',
    { ...hide, ...inOrgPost },
    async (request, reply) => {
      const org = orgOf(request);
      const email = field(request.body, 'email').toLowerCase();
      const ac = adminContext(request, reply);
      if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email) || email.length > 254)
        throw new ApiError('invalid_request', 'That is not an e-mail address.');
      const id = newId();
      try {
        // No password: the person sets one through the link (no default password anywhere).
        await orgs.createAccount({
          id,
          email,
          passwordHash: null,
          role: 'org_admin',
          orgId: org.id,
          createdAt: Date.now(),
        });
      } catch (err) {
        if (!(err instanceof DuplicateAccountError)) throw err;
        return page(
          reply,
          <AdminsPage
            ac={ac}
            org={org}
            admins={await orgs.listAccounts(org.id)}
            error={ac.a.admins.exists}
          />,
          409,
        );
      }
      const link = await newResetLink(id, request);
      let mailSent = false;
      if (deps.mailer)
        mailSent = await deps.mailer
          .send({
            to: email,
            subject: `[selfscan] ${org.name}: set your password / パスワードの設定`,
            text: `${link}\n\nThis link is valid for one hour. / このリンクは1時間有効です。\n`,
          })
          .then(
            () => true,
            (err) => {
              request.log.warn({ err }, 'invitation mail not sent');
              return false;
            },
          );
      return page(
        reply,
        <AdminsPage
          ac={ac}
          org={org}
          admins={await orgs.listAccounts(org.id)}
          invited={link}
          mailSent={mailSent}
        />,
      );
    },
  );
}

function ctxText(ac: AdminContext, what: 'rate'): string {
  if (what === 'rate') return ac.ctx.t.errors.rateLimitedBody(ac.ctx.t.errors.minutes(15));
  return '';
}

function dashboardFilter(query: Body): {
  filter: ReturnType<typeof parseDiagnosisFilter>;
  view: DashboardFilter;
} {
  const filter = parseDiagnosisFilter(query, { lenient: true });
  const date = (v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
  return {
    filter,
    view: {
      exposedOnly: filter.exposedOnly === true,
      port: filter.port,
      from: date(query.from),
      to: date(query.to),
    },
  };
}

function parseSettings(body: unknown) {
  const f = (n: string) => field(body, n);
  const retention = f('retentionDays');
  if (retention !== '' && !/^[1-9]\d{0,3}$/.test(retention)) return undefined;
  const url = f('webhookUrl');
  if (url !== '') {
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
      if (u.username || u.password || url.length > 2000) return undefined;
    } catch {
      return undefined;
    }
  }
  const format = f('webhookFormat') || 'json';
  if (format !== 'json' && format !== 'slack' && format !== 'teams') return undefined;
  const emails = f('alertEmails')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (emails.length > 20 || emails.some((e) => !/^[^\s@<>,]+@[^\s@<>,]+$/.test(e)))
    return undefined;
  const muted = f('mutedPorts')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (muted.some((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535))
    return undefined;
  return {
    retentionDays: retention === '' ? null : Number(retention),
    webhookUrl: url === '' ? null : url,
    webhookFormat: format as 'json' | 'slack' | 'teams',
    alertEmails: emails,
    mutedPorts: [...new Set(muted.map(Number))].sort((a, b) => a - b),
  };
}
