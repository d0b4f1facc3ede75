// Both stacks in one diagnosis (issue 15): on the confirm page, what the start button will do
// (ask both family origins who you are) and, without JavaScript, the two family links; on the
// result page, the verdict per address family with what can honestly be said about each address.
import type { TargetContext } from '../../core/address-context.js';
import type { PageContext } from './layout.js';

export interface FamilyOrigins {
  v4?: string;
  v6?: string;
}

export interface TargetView {
  family: 4 | 6;
  address: string | null;
  status: 'queued' | 'running' | 'done' | 'failed' | 'not_tested';
  verdict: 'exposed' | 'incomplete' | 'safe' | null;
  /** For not_tested: `no_ticket` or `no_egress`. */
  reason?: string;
  context: TargetContext | null;
}

/** The confirm page's part: the lead, the live status line, and the no-JS family links. */
export function FamilyStart({ ctx, origins }: { ctx: PageContext; origins: FamilyOrigins }) {
  const s = ctx.t.stacks;
  return (
    <section aria-labelledby="stacks-h" class="stacks">
      <h2 id="stacks-h">{s.confirmTitle}</h2>
      <p>{s.confirmLead}</p>
      <p
        id="stacks-status"
        aria-live="polite"
        data-checking={s.checking}
        data-reached={JSON.stringify([
          s.reached(true, true),
          s.reached(true, false),
          s.reached(false, true),
          s.reached(false, false),
        ])}
      />
      <noscript>
        <p>{s.noScript}</p>
        <ul>
          {([4, 6] as const).map((f) => {
            const origin = f === 4 ? origins.v4 : origins.v6;
            return origin ? (
              <li>
                <a href={`${origin}/?lang=${ctx.lang}`} data-testid={`family-link-${f}`}>
                  {s.linkFamily(f)}
                </a>
              </li>
            ) : null;
          })}
        </ul>
      </noscript>
    </section>
  );
}

function tone(t: TargetView): string {
  if (t.status === 'not_tested') return 'incomplete';
  if (t.status === 'queued' || t.status === 'running') return 'running';
  if (t.status === 'failed') return 'failed';
  return t.verdict ?? 'incomplete';
}

/** The result page's part: one line per target, then the overall verdict. */
export function FamilyTargets({
  ctx,
  targets,
  overall,
  attribution,
}: {
  ctx: PageContext;
  targets: readonly TargetView[];
  overall: string;
  attribution?: string | undefined;
}) {
  const s = ctx.t.stacks;
  const r = ctx.t.result;
  const sharedV4 = targets.some((t) => t.family === 4 && t.context?.shared);
  const testedV6 = targets.some((t) => t.family === 6 && t.status !== 'not_tested');
  return (
    <section class="card stacks" aria-labelledby="stacks-h" data-testid="per-family">
      <h2 id="stacks-h">{s.perFamilyTitle}</h2>
      <ul class="targets">
        {targets.map((t) => {
          const key = tone(t);
          const word =
            t.status === 'not_tested'
              ? s.target.not_tested
              : key === 'running'
                ? s.target.running
                : key === 'failed'
                  ? s.target.failed
                  : s.target[key as 'safe' | 'exposed' | 'incomplete'];
          const c = t.context;
          return (
            <li
              class={`target target-${key}`}
              data-testid={`target-${t.family}`}
              data-family={t.family}
              data-status={t.status}
              data-verdict={t.verdict ?? ''}
            >
              <p class="target-head">
                <strong>{r.family(t.family)}</strong>
                {t.address && (
                  <>
                    {' '}
                    <span class="address">{t.address}</span>
                  </>
                )}
                {' — '}
                <span class={`badge verdict-badge-${key}`}>{word}</span>
              </p>
              {t.status === 'not_tested' && <p>{s.notTested(t.reason ?? 'no_ticket')}</p>}
              {c && (
                <ul class="context">
                  {c.networkData === 'none' ? (
                    <li>{s.noNetworkData}</li>
                  ) : c.network ? (
                    <li>{s.network(c.network.asn, c.network.name)}</li>
                  ) : (
                    <li>{s.networkUnknown}</li>
                  )}
                  {c.carrier && <li>{s.carrier(c.carrier.name, c.carrier.kind)}</li>}
                  {c.shared && <li data-testid="shared-ipv4">{s.shared[c.shared.reason]}</li>}
                  {c.ipv6Interface && (
                    <li>{c.ipv6Interface === 'eui64' ? s.ipv6Eui64 : s.ipv6Random}</li>
                  )}
                  {c.untrustedProxy && <li data-testid="untrusted-proxy">{s.untrustedProxy}</li>}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      {sharedV4 && testedV6 && <p data-testid="v6-speaks">{s.sharedV6Speaks}</p>}
      <p class="overall" data-testid="overall" data-verdict={overall}>
        <strong>{s.overall}:</strong> {overall in s.target ? s.target[overall as 'safe'] : overall}
      </p>
      {attribution && (
        <p class="hint attribution">
          {s.attribution} {attribution}
          {/DB-IP/.test(attribution) && (
            <>
              {' '}
              <a href="https://db-ip.com">IP Geolocation by DB-IP</a>
            </>
          )}
        </p>
      )}
    </section>
  );
}
