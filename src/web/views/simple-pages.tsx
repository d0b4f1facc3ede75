import { Layout, type PageContext } from './layout.js';

/** What the privacy page states, taken from the running configuration. */
export interface PrivacySettings {
  ipStorage: 'clear' | 'truncate' | 'hmac';
  retentionDays: number;
  statsMinCell: number;
  /** SELFSCAN_TRUSTED_PROXIES is set: a reverse proxy of the operator is in front. */
  behindProxy: boolean;
}

/** /privacy: built from the settings this process runs with, so it cannot say more or less than
 *  what the service does (test/integration/privacy-page.test.ts checks it against the database). */
export function PrivacyPage({ ctx, settings }: { ctx: PageContext; settings: PrivacySettings }) {
  const p = ctx.t.privacy;
  const { operator } = ctx;
  return (
    <Layout ctx={ctx} title={p.title}>
      <h1>{p.title}</h1>
      <p>{p.lead}</p>
      <h2>{p.addressHeading}</h2>
      <p data-stored={settings.ipStorage}>{p.stored[settings.ipStorage]}</p>
      <p>{p.keys}</p>
      <h2>{p.resultsHeading}</h2>
      <p>{p.results}</p>
      <p data-retention-days={settings.retentionDays}>{p.retention(settings.retentionDays)}</p>
      <h2>{p.whoHeading}</h2>
      <p>{p.who}</p>
      <h2>{p.statsHeading}</h2>
      <p>
        {p.stats(settings.statsMinCell)} <a href="/stats">{ctx.t.stats.title}</a>
      </p>
      <h2>{p.logsHeading}</h2>
      <p>{p.logs}</p>
      {settings.behindProxy && <p data-proxy="true">{p.proxy}</p>}
      <h2>{p.cookiesHeading}</h2>
      <p>{p.cookies}</p>
      <h2>{p.operatorHeading}</h2>
      {operator.name || operator.contact || operator.abuseContact ? (
        <>
          {operator.name && <p>{p.operator(operator.name)}</p>}
          {operator.contact && <p>{p.contact(operator.contact)}</p>}
          {operator.abuseContact && (
            <p>
              {ctx.t.footer.abuse}: {operator.abuseContact}
            </p>
          )}
        </>
      ) : (
        <p>{p.noOperator}</p>
      )}
    </Layout>
  );
}

/** The terms as a numbered list; the privacy statement they name is a link. Shared by the
 *  landing page and /terms, so both always show the same text. */
export function TermsList({ ctx, labelledBy }: { ctx: PageContext; labelledBy: string }) {
  const { t } = ctx;
  return (
    <ol class="terms" aria-labelledby={labelledBy}>
      {t.landing.terms.map((line) => {
        const [before, after] = line.split('{privacy}');
        return (
          <li>
            {before}
            {after !== undefined && (
              <>
                <a href="/privacy">{t.landing.privacyLink}</a>
                {after}
              </>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** /terms: the terms on their own, with their version (the footer links here). */
export function TermsPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t.termsPage.title}>
      <h1 id="terms-h">{t.termsPage.title}</h1>
      <p class="hint" data-testid="terms-version">
        {t.termsPage.version(ctx.termsVersion)}
      </p>
      <TermsList ctx={ctx} labelledBy="terms-h" />
      <p>
        <a href="/">{t.termsPage.start}</a>
      </p>
    </Layout>
  );
}

/** GET /r/:id/delete: one more step before a result is gone (works without JavaScript). */
export function DeleteConfirmPage({ ctx, id }: { ctx: PageContext; id: string }) {
  const d = ctx.t.result.deleteConfirm;
  return (
    <Layout ctx={ctx} title={d.title}>
      <h1>{d.title}</h1>
      <p>{d.body}</p>
      <div class="actions">
        <form method="post" action={`/r/${id}/delete`} data-once="true">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button type="submit" class="danger">
            {d.confirm}
          </button>
        </form>
        <a class="button" href={`/r/${id}`}>
          {d.cancel}
        </a>
      </div>
    </Layout>
  );
}

/** GET /deleted, after the POST that deleted a result: a plain statement, not an error. */
export function DeletedPage({ ctx }: { ctx: PageContext }) {
  const d = ctx.t.result.deleted;
  return (
    <Layout ctx={ctx} title={d.title}>
      <section class="notice done" role="status">
        <h1>{d.title}</h1>
        <p>{d.body}</p>
      </section>
      <p>
        <a href="/">{d.again}</a>
      </p>
    </Layout>
  );
}

export function ErrorPage({ ctx, title, body }: { ctx: PageContext; title: string; body: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={title}>
      <section class="notice error" role="alert">
        <h1>{title}</h1>
        <p>{body}</p>
      </section>
      <p>
        <a href="/">{t.errors.backHome}</a>
      </p>
    </Layout>
  );
}
