// /o/<token>: an organisation's diagnosis link. The terms page as everyone sees it, plus — before
// the consent — whose dashboard the result goes to and the label field the link asks for; the
// consent issued here records the organisation (and the label), and the diagnosis it starts
// belongs to that organisation (the store attaches it in the transaction that spends the
// consent). From there the usual pages follow: choose → confirm → result.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LandingPage } from '../../web/views/landing.js';
import type { AppDeps } from '../app-deps.js';
import { issueConsent, setConsentCookie } from '../consent.js';
import { ApiError } from '../errors.js';
import { createAdminContext, sendPage } from './admin.js';

type Params = { token: string };

export async function orgLinkRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const contextOf = await createAdminContext(deps);
  const linkOf = async (request: FastifyRequest<{ Params: Params }>) => {
    const found = await deps.store.orgs.linkByToken(request.params.token, Date.now());
    if (!found)
      throw new ApiError('not_found', 'This diagnosis link is not valid (revoked or expired).');
    return found;
  };

  const render = (
    request: FastifyRequest<{ Params: Params }>,
    reply: Parameters<typeof sendPage>[0],
    found: Awaited<ReturnType<typeof linkOf>>,
    extra: { label?: string; labelError?: string; acceptError?: string } = {},
    status = 200,
  ) => {
    const ac = contextOf(request, reply);
    const me = deps.requesterOf(request);
    const { link, org } = found;
    return sendPage(
      reply,
      <LandingPage
        ctx={ac.ctx}
        p={{
          address: me.display,
          allowed: me.allowed,
          addressClass: me.class,
          untrustedProxyHeaders: me.untrustedProxyHeaders,
          ...(extra.acceptError ? { error: extra.acceptError } : {}),
          org: {
            action: `/o/${encodeURIComponent(link.token)}/accept`,
            sharedWith: ac.a.link.sharedWith(org.name),
            sharedWhat: ac.a.link.sharedWhat,
            ...(link.labelMode !== 'none'
              ? {
                  label: {
                    required: link.labelMode === 'required',
                    text: ac.a.link.label,
                    hint: ac.a.link.labelHint,
                    value: extra.label,
                    error: extra.labelError,
                  },
                }
              : {}),
          },
        }}
      />,
      status,
    );
  };

  app.get<{ Params: Params }>('/o/:token', { schema: { hide: true } }, async (request, reply) =>
    render(request, reply, await linkOf(request)),
  );

  app.post<{ Params: Params; Body: Record<string, unknown> }>(
    '/o/:token/accept',
    { preHandler: app.csrfProtection, schema: { hide: true } },
    async (request, reply) => {
      const found = await linkOf(request);
      const raw = request.body?.label;
      // One line, no control characters, at most 100 characters (the API's label rule).
      const label =
        typeof raw === 'string'
          ? raw
              // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters
              .replace(/[\u0000-\u001f\u007f]/g, ' ')
              .trim()
              .slice(0, 100)
          : '';
      const ac = contextOf(request, reply);
      if (request.body?.accept !== 'yes')
        return render(
          request,
          reply,
          found,
          { label, acceptError: ac.ctx.t.landing.mustAccept },
          400,
        );
      if (found.link.labelMode === 'required' && label === '')
        return render(request, reply, found, { labelError: ac.a.link.labelRequired }, 400);
      const consent = await issueConsent(deps, request, {
        requester: deps.requesterOf(request),
        org: {
          orgId: found.org.id,
          linkId: found.link.id,
          tokenId: null,
          label: found.link.labelMode === 'none' || label === '' ? null : label,
        },
      });
      setConsentCookie(reply, request, consent.token);
      return reply.redirect('/choose', 303);
    },
  );
}
