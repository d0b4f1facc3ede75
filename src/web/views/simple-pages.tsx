import { Layout, type PageContext } from './layout.js';

export function PrivacyPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t.privacy.title}>
      <h1>{t.privacy.title}</h1>
      {t.privacy.body.map((para) => (
        <p>{para}</p>
      ))}
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
