import { Layout, type PageContext } from './layout.js';
import { TermsList } from './simple-pages.js';

export interface LandingProps {
  address: string;
  allowed: boolean;
  addressClass?: keyof PageContext['t']['result']['addressClass'];
  untrustedProxyHeaders: boolean;
  /** Shown when the form came back without the box ticked. */
  error?: string;
  /** Reached through an organisation's diagnosis link (/o/<token>): who the result goes to,
   *  said before the consent, and the label field the link asks for. */
  org?: {
    action: string;
    sharedWith: string;
    sharedWhat: string;
    label?: {
      required: boolean;
      text: string;
      hint: string;
      value?: string | undefined;
      error?: string | undefined;
    };
  };
}

export function LandingPage({ ctx, p }: { ctx: PageContext; p: LandingProps }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t.landing.title} step="terms">
      <h1>{t.landing.title}</h1>
      <p class="lead">{t.landing.lead}</p>
      <ul class="points">
        {t.landing.whatWeDo.map((line) => (
          <li>{line}</li>
        ))}
      </ul>
      <section class="target" aria-labelledby="target-h">
        <h2 id="target-h">{t.landing.target}</h2>
        <p class="address" data-testid="target-address">
          {p.address}
        </p>
        <p>
          {t.landing.targetNote}
          {p.addressClass && p.allowed && (
            <>
              {' '}
              <span data-testid="target-class">{t.result.addressClass[p.addressClass]}</span>
            </>
          )}
        </p>
        {p.untrustedProxyHeaders && (
          <p class="warning" role="note">
            {t.landing.proxyWarning}
          </p>
        )}
      </section>
      {!p.allowed ? (
        <section class="notice error" role="alert">
          <h2>{t.landing.notAllowedTitle}</h2>
          <p>
            {p.addressClass === 'link-local'
              ? t.landing.notAllowedLinkLocal
              : t.landing.notAllowedBody}{' '}
            {p.address}
            {p.addressClass ? ` — ${t.result.addressClass[p.addressClass]}` : ''}
          </p>
        </section>
      ) : (
        <form method="post" action={p.org?.action ?? '/accept'} class="card">
          {p.org && (
            <section class="notice" data-testid="shared-with">
              <p>
                <strong>{p.org.sharedWith}</strong>
              </p>
              <p>{p.org.sharedWhat}</p>
              {p.org.label && (
                <p>
                  <label for="label">{p.org.label.text}</label>
                  <br />
                  <input
                    id="label"
                    name="label"
                    maxlength={100}
                    value={p.org.label.value}
                    required={p.org.label.required}
                    aria-describedby="label-hint"
                    {...(p.org.label.error ? { 'aria-invalid': 'true' } : {})}
                  />
                  <br />
                  <span class="hint" id="label-hint">
                    {p.org.label.hint}
                  </span>
                  {p.org.label.error && (
                    <span class="field-error" role="alert">
                      <br />
                      {p.org.label.error}
                    </span>
                  )}
                </p>
              )}
            </section>
          )}
          <h2 id="terms-h">{t.landing.termsTitle}</h2>
          <TermsList ctx={ctx} labelledBy="terms-h" />
          <p class="hint">
            <a href="/terms">{t.landing.termsPageLink}</a>
          </p>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="lang" value={ctx.lang} />
          {p.error && (
            <p class="field-error" id="accept-error" role="alert">
              {p.error}
            </p>
          )}
          <p class="check">
            <input
              type="checkbox"
              id="accept"
              name="accept"
              value="yes"
              required
              {...(p.error ? { 'aria-describedby': 'accept-error', 'aria-invalid': 'true' } : {})}
            />
            <label for="accept">{t.landing.accept}</label>
          </p>
          <fieldset class="options">
            <legend>{t.landing.optionsTitle}</legend>
            <p class="check">
              <input
                type="checkbox"
                id="opt-udp"
                name="udp"
                value="yes"
                aria-describedby="opt-udp-hint"
              />
              <label for="opt-udp">{t.landing.optUdp}</label>
            </p>
            <p class="hint" id="opt-udp-hint">
              {t.landing.optUdpHint}
            </p>
            <p class="check">
              <input
                type="checkbox"
                id="opt-identify"
                name="identify"
                value="yes"
                aria-describedby="opt-identify-hint"
              />
              <label for="opt-identify">{t.landing.optIdentify}</label>
            </p>
            <p class="hint" id="opt-identify-hint">
              {t.landing.optIdentifyHint}
            </p>
          </fieldset>
          <button type="submit" class="primary">
            {t.landing.next}
          </button>
        </form>
      )}
    </Layout>
  );
}
