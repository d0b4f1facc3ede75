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
