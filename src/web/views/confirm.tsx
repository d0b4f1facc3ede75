import { catalogEntryFor } from '../../core/catalog.js';
import { durationEstimate } from './duration.js';
import { Layout, type PageContext } from './layout.js';
import { type FamilyOrigins, FamilyStart } from './stacks.js';

export interface ConfirmProps {
  address: string;
  ports: number[];
  preset: 'core' | 'service' | 'all' | 'custom';
  /** UDP ports added by the person's opt-in (0 = none). */
  udpPorts: number;
  identify: boolean;
  /** Both stacks (issue 15): the family origins and the consent's nonce for their whoami. */
  origins?: FamilyOrigins;
  nonce?: string;
}

export function ConfirmPage({ ctx, p }: { ctx: PageContext; p: ConfirmProps }) {
  const { t, lang } = ctx;
  const range = p.preset === 'service' || p.preset === 'all';
  const { fast, slow } = durationEstimate(p.ports.length, ctx.probe);
  const query = range
    ? `preset=${p.preset}`
    : `preset=${p.preset}&${p.ports.map((x) => `ports=${x}`).join('&')}`;
  return (
    <Layout ctx={ctx} title={t.confirm.title} step="confirm">
      <h1>{t.confirm.title}</h1>
      <p class="lead">{t.confirm.lead}</p>
      <section class="target" aria-labelledby="addr-h">
        <h2 id="addr-h">{t.confirm.address}</h2>
        <p class="address" data-testid="target-address">
          {p.address}
        </p>
      </section>
      <section aria-labelledby="ports-h">
        <h2 id="ports-h">{t.confirm.ports(p.ports.length)}</h2>
        {range ? (
          <p>{t.confirm.rangeSummary(p.ports[0]!, p.ports[p.ports.length - 1]!)}</p>
        ) : (
          <ul class="port-list">
            {p.ports.map((port) => (
              <li>
                <span class="portnum">TCP/{port}</span>{' '}
                {catalogEntryFor('tcp', port)?.text[lang].name ?? t.result.unknownService(port)}
              </li>
            ))}
          </ul>
        )}
      </section>
      {(p.udpPorts > 0 || p.identify) && (
        <ul class="extra-tests" data-testid="extra-tests">
          {p.udpPorts > 0 && <li>{t.confirm.extraUdp(p.udpPorts)}</li>}
          {p.identify && <li>{t.confirm.extraIdentify}</li>}
        </ul>
      )}
      <p class="hint" data-testid="duration">
        {t.duration(fast, slow)}
      </p>
      {p.origins && p.nonce && <FamilyStart ctx={ctx} origins={p.origins} />}
      <form
        method="post"
        action="/start"
        class="start-form"
        data-once="true"
        {...(p.origins && p.nonce
          ? {
              'data-nonce': p.nonce,
              ...(p.origins.v4 ? { 'data-v4': p.origins.v4 } : {}),
              ...(p.origins.v6 ? { 'data-v6': p.origins.v6 } : {}),
            }
          : {})}
      >
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <input type="hidden" name="lang" value={lang} />
        {range ? (
          <input type="hidden" name="preset" value={p.preset} />
        ) : (
          p.ports.map((port) => <input type="hidden" name="ports" value={String(port)} />)
        )}
        <button type="submit" class="primary big">
          {t.confirm.start}
        </button>
      </form>
      <p>
        <a href={`/choose?${query}`}>{t.confirm.back}</a>
      </p>
    </Layout>
  );
}
