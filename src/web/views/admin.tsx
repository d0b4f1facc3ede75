// The organisation dashboard (/admin): sign-in, password reset, organisations, diagnoses with
// filters, a per-port summary (SVG chart + the same numbers as a table), one diagnosis, links,
// API tokens, alert settings, administrators and the account's own TOTP. Server-rendered, works
// without JavaScript; every form carries the CSRF token.
import type { ComponentChildren } from 'preact';
import type {
  Account,
  Delivery,
  DiagnosisRow,
  Org,
  OrgLink,
  OrgToken,
  PortSummaryRow,
} from '../../store/org-store.js';
import type { ScanRecord } from '../../store/store.js';
import type { AdminMessages } from '../i18n/admin.js';
import { BarChart } from '../svg-chart.js';
import { Layout, type PageContext } from './layout.js';

export interface AdminContext {
  ctx: PageContext;
  a: AdminMessages;
  account?: Account;
  /** The organisation the page is about (for the navigation). */
  org?: Org;
}

export const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}`;

function Csrf({ ctx }: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
}

export function AdminLayout(props: {
  ac: AdminContext;
  title: string;
  notice?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}) {
  const { ac, title } = props;
  const { a, account, org, ctx } = ac;
  const base = org ? `/admin/orgs/${org.id}` : undefined;
  return (
    <Layout ctx={ctx} title={title}>
      {account && (
        <nav class="admin-nav" aria-label={a.title}>
          <ul>
            {account.role === 'operator' && (
              <li>
                <a href="/admin">{a.nav.orgs}</a>
              </li>
            )}
            {base && (
              <>
                <li>
                  <a href={base}>{a.nav.dashboard}</a>
                </li>
                <li>
                  <a href={`${base}/links`}>{a.nav.links}</a>
                </li>
                <li>
                  <a href={`${base}/tokens`}>{a.nav.tokens}</a>
                </li>
                <li>
                  <a href={`${base}/settings`}>{a.nav.settings}</a>
                </li>
                <li>
                  <a href={`${base}/admins`}>{a.nav.admins}</a>
                </li>
              </>
            )}
            <li>
              <a href="/admin/account">{a.nav.account}</a>
            </li>
            <li>
              <form method="post" action="/admin/logout" class="inline">
                <Csrf ctx={ctx} />
                <button type="submit">{a.nav.logout}</button>
              </form>
            </li>
          </ul>
          <p class="hint">
            {account.email}
            {org ? ` — ${org.name}` : ''}
          </p>
        </nav>
      )}
      <h1>{title}</h1>
      {props.notice && (
        <p class="notice done" role="status">
          {props.notice}
        </p>
      )}
      {props.error && (
        <p class="notice error" role="alert">
          {props.error}
        </p>
      )}
      {props.children}
    </Layout>
  );
}

export function LoginPage({
  ac,
  error,
  notice,
  email,
}: {
  ac: AdminContext;
  error?: string;
  notice?: string;
  email?: string;
}) {
  const { a, ctx } = ac;
  return (
    <AdminLayout ac={ac} title={a.login.title} error={error} notice={notice}>
      <form method="post" action="/admin/login" class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="email">{a.login.email}</label>
          <br />
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={email}
          />
        </p>
        <p>
          <label for="password">{a.login.password}</label>
          <br />
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
        </p>
        <p>
          <label for="code">{a.login.totp}</label>
          <br />
          <input
            id="code"
            name="code"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
          />
          <br />
          <span class="hint">{a.login.totpHint}</span>
        </p>
        <button type="submit" class="primary">
          {a.login.submit}
        </button>
      </form>
      <p>
        <a href="/admin/reset">{a.login.forgot}</a>
      </p>
    </AdminLayout>
  );
}

export function ResetRequestPage({ ac, notice }: { ac: AdminContext; notice?: string }) {
  const { a, ctx } = ac;
  return (
    <AdminLayout ac={ac} title={a.reset.title} notice={notice}>
      <p>{a.reset.lead}</p>
      <form method="post" action="/admin/reset" class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="email">{a.login.email}</label>
          <br />
          <input id="email" name="email" type="email" autocomplete="username" required />
        </p>
        <button type="submit">{a.reset.submit}</button>
      </form>
    </AdminLayout>
  );
}

export function NewPasswordPage({
  ac,
  action,
  error,
}: {
  ac: AdminContext;
  action: string;
  error?: string;
}) {
  const { a, ctx } = ac;
  return (
    <AdminLayout ac={ac} title={a.reset.newTitle} error={error}>
      <form method="post" action={action} class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="password">{a.reset.newPassword}</label>
          <br />
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={12}
            required
          />
        </p>
        <button type="submit" class="primary">
          {a.reset.set}
        </button>
      </form>
    </AdminLayout>
  );
}

export function MessagePage({
  ac,
  title,
  text,
  back,
}: {
  ac: AdminContext;
  title: string;
  text: string;
  back?: { href: string; label: string };
}) {
  return (
    <AdminLayout ac={ac} title={title}>
      <p>{text}</p>
      {back && (
        <p>
          <a href={back.href}>{back.label}</a>
        </p>
      )}
    </AdminLayout>
  );
}

export function OrgListPage({
  ac,
  orgs,
  notice,
}: {
  ac: AdminContext;
  orgs: Org[];
  notice?: string;
}) {
  const { a, ctx } = ac;
  return (
    <AdminLayout ac={ac} title={a.orgs.title} notice={notice}>
      {orgs.length === 0 ? (
        <p>{a.orgs.none}</p>
      ) : (
        <ul data-testid="org-list">
          {orgs.map((o) => (
            <li>
              <a href={`/admin/orgs/${o.id}`}>{o.name}</a>
            </li>
          ))}
        </ul>
      )}
      <h2>{a.orgs.create}</h2>
      <form method="post" action="/admin/orgs" class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="name">{a.orgs.name}</label>
          <br />
          <input id="name" name="name" required maxlength={100} />
        </p>
        <button type="submit">{a.orgs.create}</button>
      </form>
    </AdminLayout>
  );
}

export interface DashboardFilter {
  exposedOnly: boolean;
  port?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function verdictOf(a: AdminMessages, d: Pick<DiagnosisRow, 'status' | 'verdict'>): string {
  if (d.status === 'failed') return a.verdict.failed;
  if (d.status !== 'done' || d.verdict === null) return a.verdict.running;
  return a.verdict[d.verdict];
}

export function filterQuery(f: DashboardFilter): string {
  const q = new URLSearchParams();
  if (f.exposedOnly) q.set('exposed', '1');
  if (f.port !== undefined) q.set('port', String(f.port));
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function DashboardPage(props: {
  ac: AdminContext;
  org: Org;
  filter: DashboardFilter;
  diagnoses: DiagnosisRow[];
  summary: PortSummaryRow[];
  deliveries: Delivery[];
  notice?: string | undefined;
}) {
  const { ac, org, filter, diagnoses, summary, deliveries } = props;
  const { a } = ac;
  const base = `/admin/orgs/${org.id}`;
  const query = filterQuery(filter);
  const top = summary.slice(0, 20);
  return (
    <AdminLayout ac={ac} title={`${org.name} — ${a.nav.dashboard}`} notice={props.notice}>
      <form method="get" action={base} class="card filters">
        <fieldset>
          <legend>{a.dash.filters}</legend>
          <span class="check">
            <input
              id="exposed"
              type="checkbox"
              name="exposed"
              value="1"
              checked={filter.exposedOnly}
            />
            <label for="exposed">{a.dash.exposedOnly}</label>
          </span>{' '}
          <label for="port">{a.dash.port}</label>{' '}
          <input id="port" name="port" inputmode="numeric" size={6} value={filter.port} />{' '}
          <label for="from">{a.dash.from}</label>{' '}
          <input id="from" name="from" type="date" value={filter.from} />{' '}
          <label for="to">{a.dash.to}</label>{' '}
          <input id="to" name="to" type="date" value={filter.to} />{' '}
          <button type="submit">{a.dash.apply}</button>
        </fieldset>
      </form>
      <p class="actions">
        <a class="button" href={`${base}/diagnoses.csv${query}`} data-testid="csv-link">
          {a.dash.csv}
        </a>{' '}
        <a href={`/api/v1/orgs/${org.id}/diagnoses${query}`}>{a.dash.json}</a>
      </p>

      <h2 id="diagnoses-h">{a.dash.diagnoses}</h2>
      {diagnoses.length === 0 ? (
        <p>{a.dash.none}</p>
      ) : (
        <section class="table-wrap" aria-labelledby="diagnoses-h" tabindex={0}>
          <table class="results" data-testid="diagnoses">
            <thead>
              <tr>
                <th scope="col">{a.dash.cols.time}</th>
                <th scope="col">{a.dash.cols.label}</th>
                <th scope="col">{a.dash.cols.address}</th>
                <th scope="col">{a.dash.cols.network}</th>
                <th scope="col">{a.dash.cols.verdict}</th>
                <th scope="col">{a.dash.cols.open}</th>
                <th scope="col">{a.dash.cols.via}</th>
              </tr>
            </thead>
            <tbody>
              {diagnoses.map((d) => (
                <tr>
                  <td>
                    <a href={`${base}/diagnoses/${d.id}`}>{utc(d.createdAt)}</a>
                  </td>
                  <td>{d.label ?? '—'}</td>
                  <td>
                    <span class="address">{d.address}</span>
                  </td>
                  <td>{a.families(d.family, d.addressClass)}</td>
                  <td>
                    <span
                      class={`badge ${d.verdict === 'exposed' ? 'state-open' : d.verdict === 'safe' ? 'state-closed' : 'state-error'}`}
                    >
                      {verdictOf(a, d)}
                    </span>
                  </td>
                  <td>
                    {d.openPorts.length ? d.openPorts.map((p) => `TCP/${p}`).join(', ') : '—'}
                  </td>
                  <td>{d.via ? d.via.name : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <h2 id="summary-h">{a.dash.summary}</h2>
      <p class="hint">{a.dash.summaryLead}</p>
      {top.length > 0 && (
        <BarChart
          title={a.dash.chartLabel}
          bars={top.map((r) => ({
            label: `${r.protocol.toUpperCase()}/${r.port}`,
            value: r.tested ? r.open / r.tested : 0,
            note: `${r.open} / ${r.tested}`,
          }))}
        />
      )}
      <section class="table-wrap" aria-labelledby="summary-h" tabindex={0}>
        <table class="results" data-testid="port-summary">
          <thead>
            <tr>
              <th scope="col">{a.dash.summaryCols.port}</th>
              <th scope="col">{a.dash.summaryCols.tested}</th>
              <th scope="col">{a.dash.summaryCols.open}</th>
              <th scope="col">{a.dash.summaryCols.share}</th>
            </tr>
          </thead>
          <tbody>
            {summary.map((r) => (
              <tr>
                <td>{`${r.protocol.toUpperCase()}/${r.port}`}</td>
                <td>{r.tested}</td>
                <td>{r.open}</td>
                <td>{r.tested ? `${((100 * r.open) / r.tested).toFixed(1)} %` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <h2 id="alerts-h">{a.dash.deliveries}</h2>
      {deliveries.length === 0 ? (
        <p>{a.dash.deliveriesNone}</p>
      ) : (
        <section class="table-wrap" aria-labelledby="alerts-h" tabindex={0}>
          <table class="results" data-testid="deliveries">
            <thead>
              <tr>
                <th scope="col">{a.dash.deliveryCols.time}</th>
                <th scope="col">{a.dash.deliveryCols.channel}</th>
                <th scope="col">{a.dash.deliveryCols.target}</th>
                <th scope="col">{a.dash.deliveryCols.status}</th>
                <th scope="col">{a.dash.deliveryCols.attempts}</th>
                <th scope="col">{a.dash.deliveryCols.error}</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr class={d.status === 'failed' || d.lastError ? 'delivery-failed' : undefined}>
                  <td>{utc(d.createdAt)}</td>
                  <td>{d.channel}</td>
                  <td>{d.target}</td>
                  <td>
                    <span
                      class={`badge ${d.status === 'delivered' ? 'state-closed' : d.status === 'failed' ? 'state-open' : 'state-error'}`}
                    >
                      {a.dash.deliveryStatus[d.status]}
                    </span>
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastError ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </AdminLayout>
  );
}

export function DiagnosisPage({ ac, org, scan }: { ac: AdminContext; org: Org; scan: ScanRecord }) {
  const { a, ctx } = ac;
  const base = `/admin/orgs/${org.id}`;
  const rows = [...scan.results].sort((x, y) =>
    x.state === y.state ? x.port - y.port : x.state === 'open' ? -1 : y.state === 'open' ? 1 : 0,
  );
  return (
    <AdminLayout ac={ac} title={`${a.detail.title} ${scan.code}`}>
      <p>
        <a href={base}>{a.detail.back}</a>
      </p>
      <dl class="card">
        <div>
          <dt>{a.dash.cols.time}</dt>
          <dd>{utc(scan.createdAt)}</dd>
        </div>
        <div>
          <dt>{a.dash.cols.label}</dt>
          <dd>{scan.label ?? '—'}</dd>
        </div>
        <div>
          <dt>{a.dash.cols.address}</dt>
          <dd class="address">{scan.address}</dd>
        </div>
        <div>
          <dt>{a.dash.cols.network}</dt>
          <dd>{a.families(scan.family, scan.addressClass)}</dd>
        </div>
        <div>
          <dt>{a.dash.cols.verdict}</dt>
          <dd data-testid="detail-verdict">{verdictOf(a, scan)}</dd>
        </div>
      </dl>
      <h2 id="ports-h">{a.detail.results}</h2>
      <section class="table-wrap" aria-labelledby="ports-h" tabindex={0}>
        <table class="results">
          <thead>
            <tr>
              <th scope="col">{a.detail.cols.port}</th>
              <th scope="col">{a.detail.cols.state}</th>
              <th scope="col">{a.detail.cols.reason}</th>
              <th scope="col">{a.detail.cols.ms}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{`${r.protocol.toUpperCase()}/${r.port}`}</td>
                <td>
                  <span class={`badge state-${r.state}`}>{r.state}</span>
                </td>
                <td>{r.reason}</td>
                <td>{r.ms}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form method="post" action={`${base}/diagnoses/${scan.id}/delete`}>
        <Csrf ctx={ctx} />
        <button type="submit" class="danger">
          {a.detail.delete}
        </button>
      </form>
    </AdminLayout>
  );
}

export function LinksPage({
  ac,
  org,
  links,
  origin,
  now,
}: {
  ac: AdminContext;
  org: Org;
  links: OrgLink[];
  origin: string;
  now: number;
}) {
  const { a, ctx } = ac;
  const base = `/admin/orgs/${org.id}`;
  return (
    <AdminLayout ac={ac} title={`${org.name} — ${a.links.title}`}>
      <p>{a.links.lead}</p>
      {links.length === 0 ? (
        <p>{a.links.none}</p>
      ) : (
        <section class="table-wrap" aria-label={a.links.title} tabindex={0}>
          <table class="results" data-testid="links">
            <thead>
              <tr>
                <th scope="col">{a.links.name}</th>
                <th scope="col">{a.links.url}</th>
                <th scope="col">{a.links.labelMode}</th>
                <th scope="col">{a.links.state}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {links.map((l) => {
                const state =
                  l.revokedAt !== null
                    ? a.links.revoked
                    : l.expiresAt !== null && l.expiresAt <= now
                      ? a.links.expired
                      : a.links.active;
                return (
                  <tr>
                    <td>{l.name}</td>
                    <td>
                      <code class="link-url">{`${origin}/o/${l.token}`}</code>
                    </td>
                    <td>{a.links.labelModes[l.labelMode]}</td>
                    <td>
                      {state}
                      {l.expiresAt !== null && l.revokedAt === null ? ` (${utc(l.expiresAt)})` : ''}
                    </td>
                    <td>
                      {l.revokedAt === null && (
                        <form method="post" action={`${base}/links/${l.id}/revoke`}>
                          <Csrf ctx={ctx} />
                          <button type="submit">{a.links.revoke}</button>
                        </form>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      <h2>{a.links.create}</h2>
      <form method="post" action={`${base}/links`} class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="name">{a.links.name}</label>
          <br />
          <input id="name" name="name" required maxlength={100} />
        </p>
        <fieldset>
          <legend>{a.links.labelMode}</legend>
          {(['none', 'optional', 'required'] as const).map((m) => (
            <span class="radio">
              <input
                id={`lm-${m}`}
                type="radio"
                name="labelMode"
                value={m}
                checked={m === 'optional'}
              />
              <label for={`lm-${m}`}>{a.links.labelModes[m]}</label>
            </span>
          ))}
        </fieldset>
        <p>
          <label for="expiresDays">{a.links.expiresDays}</label>
          <br />
          <input id="expiresDays" name="expiresDays" inputmode="numeric" size={5} />{' '}
          <span class="hint">{a.links.expiresHint}</span>
        </p>
        <button type="submit">{a.links.create}</button>
      </form>
    </AdminLayout>
  );
}

export function TokensPage({
  ac,
  org,
  tokens,
  created,
}: {
  ac: AdminContext;
  org: Org;
  tokens: OrgToken[];
  created?: string;
}) {
  const { a, ctx } = ac;
  const base = `/admin/orgs/${org.id}`;
  return (
    <AdminLayout ac={ac} title={`${org.name} — ${a.tokens.title}`}>
      <p>{a.tokens.lead}</p>
      {created && (
        <div class="notice done" role="status">
          <p>{a.tokens.shownOnce}</p>
          <p>
            <code data-testid="new-token">{created}</code>
          </p>
        </div>
      )}
      {tokens.length === 0 ? (
        <p>{a.tokens.none}</p>
      ) : (
        <section class="table-wrap" aria-label={a.tokens.title} tabindex={0}>
          <table class="results">
            <thead>
              <tr>
                <th scope="col">{a.tokens.name}</th>
                <th scope="col">{a.tokens.kind}</th>
                <th scope="col">{a.tokens.lastUsed}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td>{a.tokens.kinds[t.kind]}</td>
                  <td>{t.lastUsedAt !== null ? utc(t.lastUsedAt) : a.tokens.never}</td>
                  <td>
                    {t.revokedAt !== null ? (
                      a.tokens.revoked
                    ) : (
                      <form method="post" action={`${base}/tokens/${t.id}/revoke`}>
                        <Csrf ctx={ctx} />
                        <button type="submit">{a.tokens.revoke}</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <h2>{a.tokens.create}</h2>
      <form method="post" action={`${base}/tokens`} class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="name">{a.tokens.name}</label>
          <br />
          <input id="name" name="name" required maxlength={100} />
        </p>
        <fieldset>
          <legend>{a.tokens.kind}</legend>
          {(['report', 'read'] as const).map((k) => (
            <span class="radio">
              <input id={`k-${k}`} type="radio" name="kind" value={k} checked={k === 'report'} />
              <label for={`k-${k}`}>{a.tokens.kinds[k]}</label>
            </span>
          ))}
        </fieldset>
        <button type="submit">{a.tokens.create}</button>
      </form>
    </AdminLayout>
  );
}

export function SettingsPage({
  ac,
  org,
  defaultRetentionDays,
  notice,
  error,
}: {
  ac: AdminContext;
  org: Org;
  defaultRetentionDays: number;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  const { a, ctx } = ac;
  const s = a.settings;
  return (
    <AdminLayout ac={ac} title={`${org.name} — ${s.title}`} notice={notice} error={error}>
      <form method="post" action={`/admin/orgs/${org.id}/settings`} class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="retentionDays">{s.retention}</label>
          <br />
          <input
            id="retentionDays"
            name="retentionDays"
            inputmode="numeric"
            size={5}
            value={org.retentionDays ?? ''}
          />{' '}
          <span class="hint">{s.retentionHint(defaultRetentionDays)}</span>
        </p>
        <p>
          <label for="webhookUrl">{s.webhookUrl}</label>
          <br />
          <input
            id="webhookUrl"
            name="webhookUrl"
            type="url"
            size={50}
            value={org.webhookUrl ?? ''}
          />
          <br />
          <span class="hint">{s.webhookUrlHint}</span>
        </p>
        <fieldset>
          <legend>{s.webhookFormat}</legend>
          {(['json', 'slack', 'teams'] as const).map((f) => (
            <span class="radio">
              <input
                id={`wf-${f}`}
                type="radio"
                name="webhookFormat"
                value={f}
                checked={org.webhookFormat === f}
              />
              <label for={`wf-${f}`}>{s.formats[f]}</label>
            </span>
          ))}
        </fieldset>
        <p>
          {s.webhookSecret}: <code data-testid="webhook-secret">{org.webhookSecret}</code>
          <br />
          <span class="hint">{s.webhookSecretHint}</span>
        </p>
        <p>
          <label for="alertEmails">{s.emails}</label>
          <br />
          <input id="alertEmails" name="alertEmails" size={50} value={org.alertEmails.join(', ')} />{' '}
          <span class="hint">{s.emailsHint}</span>
        </p>
        <p>
          <label for="mutedPorts">{s.muted}</label>
          <br />
          <input id="mutedPorts" name="mutedPorts" size={30} value={org.mutedPorts.join(', ')} />{' '}
          <span class="hint">{s.mutedHint}</span>
        </p>
        <button type="submit" class="primary">
          {s.save}
        </button>
      </form>
    </AdminLayout>
  );
}

export function AdminsPage({
  ac,
  org,
  admins,
  invited,
  mailSent,
  error,
}: {
  ac: AdminContext;
  org: Org;
  admins: Account[];
  invited?: string | undefined;
  mailSent?: boolean;
  error?: string | undefined;
}) {
  const { a, ctx } = ac;
  return (
    <AdminLayout ac={ac} title={`${org.name} — ${a.admins.title}`} error={error}>
      {invited && (
        <div class="notice done" role="status">
          <p>{a.admins.invited}</p>
          <p>
            <code data-testid="invite-link">{invited}</code>
          </p>
          {mailSent && <p>{a.admins.mailSent}</p>}
        </div>
      )}
      <ul>
        {admins.map((x) => (
          <li>{x.email}</li>
        ))}
      </ul>
      <h2>{a.admins.invite}</h2>
      <form method="post" action={`/admin/orgs/${org.id}/admins`} class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="email">{a.admins.email}</label>
          <br />
          <input id="email" name="email" type="email" required />
        </p>
        <button type="submit">{a.admins.invite}</button>
      </form>
    </AdminLayout>
  );
}

export function AccountPage({
  ac,
  pendingSecret,
  pendingUri,
  notice,
  error,
}: {
  ac: AdminContext;
  pendingSecret?: string | undefined;
  pendingUri?: string | undefined;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  const { a, ctx, account } = ac;
  const s = a.account;
  return (
    <AdminLayout ac={ac} title={s.title} notice={notice} error={error}>
      <h2>{s.totp}</h2>
      <p>{account?.totpEnabled ? s.totpOn : s.totpOff}</p>
      {account?.totpEnabled ? (
        <form method="post" action="/admin/account/totp" class="card">
          <Csrf ctx={ctx} />
          <input type="hidden" name="action" value="disable" />
          <p>
            <label for="code">{s.code}</label>
            <br />
            <input
              id="code"
              name="code"
              inputmode="numeric"
              autocomplete="one-time-code"
              required
            />
          </p>
          <button type="submit">{s.disable}</button>
        </form>
      ) : (
        <form method="post" action="/admin/account/totp" class="card">
          <Csrf ctx={ctx} />
          <input type="hidden" name="action" value="enable" />
          {pendingSecret ? (
            <>
              <p>{s.secret}</p>
              <p>
                <code data-testid="totp-secret">{pendingSecret}</code>
              </p>
              <p class="hint">
                <code>{pendingUri}</code>
              </p>
              <p>
                <label for="code">{s.code}</label>
                <br />
                <input
                  id="code"
                  name="code"
                  inputmode="numeric"
                  autocomplete="one-time-code"
                  required
                />
              </p>
            </>
          ) : null}
          <button type="submit">{s.enable}</button>
        </form>
      )}
      <h2>{s.password}</h2>
      <form method="post" action="/admin/account/password" class="card">
        <Csrf ctx={ctx} />
        <p>
          <label for="current">{s.current}</label>
          <br />
          <input
            id="current"
            name="current"
            type="password"
            autocomplete="current-password"
            required
          />
        </p>
        <p>
          <label for="password">{s.newPassword}</label>
          <br />
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={12}
            required
          />
        </p>
        <button type="submit">{s.change}</button>
      </form>
    </AdminLayout>
  );
}
