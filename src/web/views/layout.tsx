// The frame of every page: language switch, steps, footer with the operator's identity, the
// published probe source, rate limits and terms version (PRODUCT.md feature 14).
import type { ComponentChildren } from 'preact';
import type { Lang, Messages } from '../i18n/index.js';
import type { ProbeTiming } from './duration.js';

export interface PageContext {
  lang: Lang;
  t: Messages;
  /** Current path + query without `lang`, for the language switch link. */
  path: string;
  assets: { css: string; js: string; icon: string };
  csrfToken: string;
  operator: {
    name?: string;
    contact?: string;
    abuseContact?: string;
    probeSources: readonly string[];
  };
  rateLimitPerHour: number;
  termsVersion: string;
  mode: 'local' | 'public';
  /** For the time estimates of the choose and confirm pages. */
  probe: ProbeTiming;
}

export type Step = 'terms' | 'choose' | 'confirm' | 'result';

export function Layout(props: {
  ctx: PageContext;
  title: string;
  step?: Step;
  head?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { ctx, title, step } = props;
  const { t } = ctx;
  const other: Lang = ctx.lang === 'ja' ? 'en' : 'ja';
  const sep = ctx.path.includes('?') ? '&' : '?';
  return (
    <html lang={t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with
            a form POST, which the same-origin guard must refuse. The secret result link still
            never leaves the site in a Referer. */}
        <meta name="referrer" content="same-origin" />
        <title>{`${title} — ${t.siteName}`}</title>
        <link rel="icon" href={ctx.assets.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={ctx.assets.css} />
        <script type="module" src={ctx.assets.js} />
        {props.head}
      </head>
      <body>
        <a class="skip" href="#main">
          {t.skipToContent}
        </a>
        <header class="site">
          <a class="brand" href="/">
            <span class="logo" aria-hidden="true">
              ◎
            </span>{' '}
            {t.siteName}
          </a>
          <span class="tagline">{t.tagline}</span>
          <a class="lang" href={`${ctx.path}${sep}lang=${other}`} hreflang={other} lang={other}>
            {t.switchLanguage}
          </a>
        </header>
        {step && <Steps t={t} step={step} />}
        <main id="main">{props.children}</main>
        <Footer ctx={ctx} />
      </body>
    </html>
  );
}

function Steps({ t, step }: { t: Messages; step: Step }) {
  const order: Step[] = ['terms', 'choose', 'confirm', 'result'];
  const at = order.indexOf(step);
  return (
    <nav class="steps" aria-label={t.steps.current}>
      <ol>
        {order.map((s, i) => (
          <li
            class={i === at ? 'current' : i < at ? 'done' : undefined}
            aria-current={i === at ? 'step' : undefined}
          >
            <span class="num" aria-hidden="true">
              {i + 1}
            </span>{' '}
            {t.steps[s]}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Footer({ ctx }: { ctx: PageContext }) {
  const { t, operator } = ctx;
  return (
    <footer class="site">
      <dl>
        {operator.name && (
          <div>
            <dt>{t.footer.operator}</dt>
            <dd>{operator.name}</dd>
          </div>
        )}
        {operator.contact && (
          <div>
            <dt>{t.footer.contact}</dt>
            <dd>{operator.contact}</dd>
          </div>
        )}
        {operator.abuseContact && (
          <div>
            <dt>{t.footer.abuse}</dt>
            <dd>{operator.abuseContact}</dd>
          </div>
        )}
        <div>
          <dt>{t.footer.probeSources}</dt>
          <dd>
            {operator.probeSources.length > 0
              ? operator.probeSources.join(', ')
              : t.footer.probeSourcesUnset}
          </dd>
        </div>
        <div>
          <dt>{t.footer.termsVersion}</dt>
          <dd>
            <a href="/terms">{ctx.termsVersion}</a>
          </dd>
        </div>
      </dl>
      <p>{t.footer.rateLimit(ctx.rateLimitPerHour)}</p>
      <p>
        <a href="/terms">{t.footer.terms}</a> · <a href="/privacy">{t.footer.privacy}</a> ·{' '}
        <a href="/stats">{t.footer.stats}</a> · <a href="/openapi.json">{t.footer.api}</a>
      </p>
    </footer>
  );
}
