// The result page (PRODUCT.md "The diagnosis, step by step", 4): the verdict first, open ports
// first, each with what it is, why it matters and how to close it; then what was tested, the
// block for the IT department, and the facts about this result. Live while running.
import { catalogEntryFor, type SharedStep, splitFix } from '../../core/catalog.js';
import { detailLine, FINDING_TEXTS, SEVERITY_LABELS } from '../../core/finding-texts.js';
import { type Finding, highestSeverity, type Severity } from '../../core/findings.js';
import type { Messages, ScanState } from '../i18n/messages.js';
import { viewOf } from './address-view.js';
import { Layout, type PageContext } from './layout.js';
import { FamilyTargets, type TargetView } from './stacks.js';

export interface ResultRow {
  port: number;
  protocol: 'tcp' | 'udp';
  state: ScanState;
  reason: string;
  ms: number;
  /** The target's address family (issue 15); rows of several targets are told apart by it. */
  family?: 4 | 6;
}

export interface ResultProps {
  id: string;
  code: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  error?: { code: string; message: string };
  verdict: 'exposed' | 'incomplete' | 'safe' | null;
  address: string;
  family: 4 | 6;
  addressClass: keyof Messages['result']['addressClass'];
  total: number;
  planned: { port: number; protocol: 'tcp' | 'udp' }[];
  results: ResultRow[];
  /** Every target of the diagnosis (issue 15), when there is more than the requester to say. */
  targets?: TargetView[];
  /** The ASN data's attribution (its licence asks for it where results use it). */
  attribution?: string;
  /** What UDP answers and identification found (issue 16). */
  findings: Finding[];
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  expiresAt: number;
  termsVersion: string;
  catalogVersion: string;
  /** Absolute link to this result, for the IT block. */
  link: string;
  now: number;
}

// Placeholders the browser script replaces in the live texts.
const DONE = 1_000_001;
const TOTAL = 1_000_002;
const SECONDS = 1_000_003;
const MS = 1_000_004;
const REASON = 1_000_005;
const COUNT = { open: 1_000_006, closed: 1_000_007, filtered: 1_000_008, error: 1_000_009 };
/** Reasons with their own words (`local-` stands for every `local-*` reason: this server could
 *  not test the port); any other is shown as its code. */
const REASONS = [
  'syn-ack',
  'refused',
  'timeout',
  'host-unreachable',
  'udp-response',
  'port-unreachable',
  'no-response',
  'local-',
] as const;
const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };
/** `row-445`, `row-udp-161`; with several targets in one table `row-6-445` (issue 15). */
const rowId = (
  row: { port: number; protocol: 'tcp' | 'udp'; family?: 4 | 6 | undefined },
  multi = false,
) =>
  `row-${multi && row.family ? `${row.family}-` : ''}${row.protocol === 'udp' ? 'udp-' : ''}${row.port}`;
const label = (row: { port: number; protocol: 'tcp' | 'udp' }) =>
  `${row.protocol.toUpperCase()}/${row.port}`;

/** Up to this many planned ports, every row is shown (and filled in live). */
const ROW_LIMIT = 100;
const ORDER: Record<ScanState, number> = { open: 0, error: 1, closed: 2, filtered: 3 };
const ICON: Record<ScanState | 'pending', string> = {
  open: '⚠',
  closed: '✓',
  filtered: '✓',
  error: '?',
  pending: '…',
};

export function ResultPage({ ctx, p }: { ctx: PageContext; p: ResultProps }) {
  const { t } = ctx;
  const r = t.result;
  const live = p.status === 'queued' || p.status === 'running';
  const tone = live ? 'running' : p.status === 'failed' ? 'failed' : (p.verdict ?? 'incomplete');
  // A finished diagnosis that stopped early (interrupted, failed) never probed the rest of its
  // planned ports: they count as not tested.
  const neverProbed =
    p.status === 'done' || p.status === 'failed' ? Math.max(0, p.total - p.results.length) : 0;
  const count = (s: ScanState) =>
    p.results.filter((x) => x.state === s).length + (s === 'error' ? neverProbed : 0);
  const sorted = [...p.results].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.port - b.port);
  const exposed = sorted.filter((x) => x.state === 'open');
  const errors = sorted.filter((x) => x.state === 'error');
  const quiet = sorted.filter((x) => x.state === 'closed' || x.state === 'filtered');
  const elapsed = Math.max(
    0,
    Math.round(((p.finishedAt ?? p.now) - (p.startedAt ?? p.createdAt)) / 1000),
  );
  const done = p.results.length;
  const estimate =
    live && done > 0 ? Math.max(1, Math.round((elapsed / done) * (p.total - done))) : undefined;
  const words = r.byView[viewOf(p.addressClass)];
  const headline = tone === 'safe' || tone === 'exposed' ? words.headline[tone] : r.headline[tone];
  const summary = tone === 'safe' || tone === 'exposed' ? words.summary[tone] : r.summary[tone];
  const findingsOf = (row: ResultRow) =>
    p.findings
      .filter((f) => f.port === row.port && f.protocol === row.protocol)
      .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  // Findings raise a port: the most severe first, then by port.
  const rank = (row: ResultRow) => {
    const s = highestSeverity(findingsOf(row));
    return s === undefined ? 2.5 : SEVERITY_ORDER[s];
  };
  const cards = [...exposed]
    .sort((a, b) => rank(a) - rank(b))
    .map((row) => ({ row, findings: findingsOf(row), ...cardFix(row, ctx) }));
  // Steps shared by several open ports are shown once, above the cards, in SHARED_STEPS order.
  const sharedSteps = [...new Set(cards.flatMap((c) => c.shared))];
  // Several tested targets (issue 15): rows and cards name their family.
  const multi = (p.targets ?? []).filter((x) => x.status !== 'not_tested').length > 1;
  const table = (
    <ResultTable
      ctx={ctx}
      rows={sortedWithPending(p, sorted, multi)}
      labelledBy="all-h"
      multi={multi}
    />
  );

  return (
    <Layout
      ctx={ctx}
      title={r.title}
      step="result"
      head={
        live ? (
          <noscript>
            <meta http-equiv="refresh" content="2" />
          </noscript>
        ) : undefined
      }
    >
      <section
        class={`verdict verdict-${tone}`}
        aria-labelledby="verdict-h"
        data-testid="verdict"
        data-verdict={tone}
      >
        <h1 id="verdict-h">
          <span class="verdict-icon" aria-hidden="true">
            {tone === 'safe' ? '✓' : tone === 'exposed' ? '⚠' : tone === 'running' ? '…' : '!'}
          </span>{' '}
          {headline}
        </h1>
        <p data-testid="summary">{summary}</p>
        {p.status === 'failed' && p.error && (
          <p>
            {r.failedReason}: {r.failedReasons[p.error.code] ?? p.error.message}
          </p>
        )}
        <p
          class="counts"
          id="counts"
          data-open={count('open')}
          data-closed={count('closed')}
          data-filtered={count('filtered')}
          data-error={count('error')}
        >
          {r.counts(count('open'), count('closed'), count('filtered'), count('error'))}
        </p>
      </section>

      {p.targets && (
        <FamilyTargets ctx={ctx} targets={p.targets} overall={tone} attribution={p.attribution} />
      )}

      {live && (
        <section
          class="progress"
          aria-labelledby="progress-text"
          data-scan={p.id}
          data-total={p.total}
          data-started={p.startedAt ?? p.createdAt}
          data-done={done}
          data-limit={ROW_LIMIT}
        >
          <h2 id="progress-h" class="visually-hidden">
            {r.headline.running}
          </h2>
          <progress max={p.total} value={done} aria-labelledby="progress-text" />
          <p id="progress-text" aria-live="polite" data-template-progress={r.progress(0, p.total)}>
            {r.progress(done, p.total)}
          </p>
          <p class="timing">
            <span id="elapsed">{r.elapsed(elapsed)}</span>
            {estimate !== undefined && (
              <>
                {' · '}
                <span id="estimate">{r.estimate(estimate)}</span>
              </>
            )}
          </p>
          <template
            id="i18n"
            data-json={JSON.stringify({
              state: r.state,
              progress: r.progress(DONE, TOTAL),
              elapsed: r.elapsed(SECONDS),
              estimate: r.estimate(SECONDS),
              reasons: Object.fromEntries(REASONS.map((x) => [x, r.reason(x, MS)])),
              reason: r.reason(String(REASON), MS),
              counts: r.counts(COUNT.open, COUNT.closed, COUNT.filtered, COUNT.error),
            })}
          />
        </section>
      )}

      {cards.length > 0 && (
        <section aria-labelledby="open-h">
          <h2 id="open-h">
            {r.state.open} ({exposed.length})
          </h2>
          {(sharedSteps.length > 0 || words.advice) && (
            <section class="card shared" aria-labelledby="shared-h" data-testid="shared-advice">
              <h3 id="shared-h">{r.sharedTitle}</h3>
              {words.advice && <p>{words.advice}</p>}
              {sharedSteps.length > 0 && (
                <>
                  <p class="hint">{r.sharedLead}</p>
                  <ul>
                    {sharedSteps.map((step) => (
                      <li>{cards.length > 1 ? step.listed[ctx.lang] : step[ctx.lang]}</li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          )}
          {cards.map((card) => (
            <PortCard
              row={card.row}
              own={card.own}
              findings={card.findings}
              ctx={ctx}
              open={cards.length === 1}
              multi={multi}
            />
          ))}
        </section>
      )}

      {p.total <= ROW_LIMIT ? (
        // Once open ports have their cards, the full table is a detail: folded away.
        !live && cards.length > 0 ? (
          <details class="all-results">
            <summary>
              <span class="summary-title" id="all-h">
                {r.allResults(p.total)}
              </span>
            </summary>
            {table}
          </details>
        ) : (
          <section>
            <h2 id="all-h">{r.title}</h2>
            {table}
          </section>
        )
      ) : (
        <>
          {live && <ul id="live-open" class="live-open" aria-live="polite" />}
          {errors.length > 0 && (
            <section>
              <h2 id="err-h">
                {r.state.error} ({errors.length})
              </h2>
              <ResultTable ctx={ctx} rows={errors} labelledBy="err-h" />
            </section>
          )}
          {quiet.length > 0 && (
            <details class="quiet">
              <summary>{r.notExposedList(quiet.length)}</summary>
              <p>
                {r.state.closed}:{' '}
                {ranges(quiet.filter((x) => x.state === 'closed').map((x) => x.port))}
              </p>
              <p>
                {r.state.filtered}:{' '}
                {ranges(quiet.filter((x) => x.state === 'filtered').map((x) => x.port))}
              </p>
            </details>
          )}
        </>
      )}

      <section class="card" aria-labelledby="addr-h">
        <h2 id="addr-h">{r.addressTitle}</h2>
        <dl class="facts">
          <div>
            <dt>{r.addressTested}</dt>
            <dd>
              <span class="address" data-testid="tested-address">
                {p.address}
              </span>{' '}
              ({r.family(p.family)})
            </dd>
          </div>
        </dl>
        <p>{r.addressClass[p.addressClass]}</p>
        {p.family === 6 && <p>{r.ipv6Note}</p>}
      </section>

      <section class="card it" aria-labelledby="it-h">
        <h2 id="it-h">{r.itTitle}</h2>
        <p>{r.itLead}</p>
        <dl class="facts">
          <div>
            <dt>{r.code}</dt>
            <dd class="code" data-testid="result-code">
              {p.code}
            </dd>
          </div>
          <div>
            <dt>{r.link}</dt>
            <dd>
              <input
                class="link"
                type="text"
                readonly
                value={p.link}
                aria-label={r.link}
                id="result-link"
              />
              <button
                type="button"
                class="copy"
                data-copy="result-link"
                data-copied={r.copied}
                hidden
              >
                {r.copy}
              </button>
            </dd>
          </div>
        </dl>
      </section>

      <section class="card meta" aria-labelledby="meta-h">
        <h2 id="meta-h">{r.metaTitle}</h2>
        <dl class="facts">
          <div>
            <dt>{r.ranAt}</dt>
            <dd>{formatDate(p.createdAt, ctx.lang)}</dd>
          </div>
          <div>
            <dt>{r.validUntil}</dt>
            <dd>{formatDate(p.expiresAt, ctx.lang)}</dd>
          </div>
        </dl>
        <p class="hint">{r.versions(p.termsVersion, p.catalogVersion)}</p>
        <div class="actions">
          {!live && (
            <form method="post" action={`/r/${p.id}/retest`} data-once="true">
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <button type="submit" class="primary">
                {r.retest}
              </button>
            </form>
          )}
          {/* A link to a confirmation page, not a form: one click must not delete. */}
          <a class="button danger" href={`/r/${p.id}/delete`}>
            {r.deleteButton}
          </a>
        </div>
        <p class="hint">{r.deleteNote}</p>
      </section>
    </Layout>
  );
}

type Pending = { port: number; protocol: 'tcp' | 'udp'; pending: true; family?: 4 | 6 };

function sortedWithPending(
  p: ResultProps,
  sorted: ResultRow[],
  multi: boolean,
): (ResultRow | Pending)[] {
  const families = multi
    ? [...new Set((p.targets ?? []).filter((t) => t.status !== 'not_tested').map((t) => t.family))]
    : [undefined];
  const key = (x: { port: number; protocol: 'tcp' | 'udp'; family?: 4 | 6 | undefined }) =>
    `${multi ? (x.family ?? '') : ''}/${label(x)}`;
  const seen = new Set(sorted.map(key));
  return [
    ...sorted,
    ...families.flatMap((family) =>
      p.planned
        .map((x): Pending => ({ ...x, pending: true as const, ...(family ? { family } : {}) }))
        .filter((x) => !seen.has(key(x))),
    ),
  ];
}

function ResultTable({
  ctx,
  rows,
  labelledBy,
  multi = false,
}: {
  ctx: PageContext;
  rows: (ResultRow | Pending)[];
  /** The heading that names the table's region. */
  labelledBy: string;
  multi?: boolean;
}) {
  const r = ctx.t.result;
  return (
    // A narrow screen may scroll the table sideways: a named, focusable region can be scrolled
    // with the keyboard (WCAG 2.1.1; axe scrollable-region-focusable).
    <section class="table-wrap" aria-labelledby={labelledBy} tabindex={0}>
      <table class="results" id="results-table">
        <thead>
          <tr>
            <th scope="col">{r.port}</th>
            <th scope="col">{r.service}</th>
            <th scope="col">{r.status}</th>
            <th scope="col">{r.detail}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const entry = catalogEntryFor(row.protocol, row.port);
            const state = 'pending' in row ? 'pending' : row.state;
            return (
              <tr
                id={rowId(row, multi)}
                data-port={row.port}
                data-protocol={row.protocol}
                data-state={state}
              >
                <th scope="row">
                  {multi && row.family ? `${r.family(row.family)} ` : ''}
                  {label(row)}
                </th>
                <td>{entry?.text[ctx.lang].name ?? r.unknownService(row.port)}</td>
                <td>
                  <Badge state={state} t={ctx.t} />
                </td>
                <td class="detail">{'pending' in row ? '' : r.reason(row.reason, row.ms)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function Badge({ state, t }: { state: ScanState | 'pending'; t: Messages }) {
  return (
    <span class={`badge state-${state}`}>
      <span aria-hidden="true">{ICON[state]}</span>{' '}
      {state === 'pending' ? t.result.pending : t.result.state[state]}
    </span>
  );
}

/** What a card says about closing its port, without the steps the shared block shows. */
function cardFix(row: ResultRow, ctx: PageContext): { own: string; shared: SharedStep[] } {
  const text = catalogEntryFor(row.protocol, row.port)?.text[ctx.lang];
  return text ? splitFix(text.fix, ctx.lang) : { own: ctx.t.result.unknownFix, shared: [] };
}

/** One open port: what it is and the threats tied to it at a glance; why it matters, how to close
 *  it and the technical detail unfold (open at once when it is the only open port). */
function PortCard({
  row,
  own,
  findings,
  ctx,
  open,
  multi = false,
}: {
  row: ResultRow;
  own: string;
  findings: Finding[];
  ctx: PageContext;
  open: boolean;
  multi?: boolean;
}) {
  const r = ctx.t.result;
  const entry = catalogEntryFor(row.protocol, row.port);
  const text = entry?.text[ctx.lang];
  const top = highestSeverity(findings);
  return (
    <article
      class={`port-card${top ? ` severity-${top}` : ''}`}
      data-testid={`open-${multi && row.family ? `${row.family}-` : ''}${row.protocol === 'udp' ? 'udp-' : ''}${row.port}`}
      data-severity={top}
    >
      <h3>
        <span class="portnum">
          {multi && row.family ? `${r.family(row.family)} ` : ''}
          {label(row)}
        </span>{' '}
        {text?.name ?? r.unknownService(row.port)} <Badge state={row.state} t={ctx.t} />
        {top && top !== 'info' && (
          <>
            {' '}
            <span class={`badge severity-${top}`}>{SEVERITY_LABELS[top][ctx.lang]}</span>
          </>
        )}
      </h3>
      {findings.length > 0 && (
        <ul class="findings" data-testid={`findings-${label(row)}`}>
          {findings.map((f) => {
            const ft = FINDING_TEXTS[f.id][ctx.lang];
            return (
              <li class={`finding severity-${f.severity}`} data-finding={f.id}>
                <strong>{ft.title}</strong>{' '}
                <span class="hint">({SEVERITY_LABELS[f.severity][ctx.lang]})</span>
                <p>{ft.advice}</p>
                {Object.keys(f.detail).length > 0 && (
                  <p class="detail">
                    <code>{detailLine(f.detail)}</code>
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {entry && entry.threats.length > 0 && (
        <p class="threats">
          {entry.threats
            .map((x) => (x.ref ? `${x.name[ctx.lang]} (${x.ref})` : x.name[ctx.lang]))
            .join(' · ')}
        </p>
      )}
      <details open={open}>
        <summary>{r.whyAndFix}</summary>
        <h4>{r.why}</h4>
        <p>{text?.why ?? r.unknownWhy}</p>
        {own && (
          <>
            <h4>{r.fix}</h4>
            <p class="fix">{own}</p>
          </>
        )}
        <p class="detail">
          {r.detail}: {r.reason(row.reason, row.ms)}
        </p>
      </details>
    </article>
  );
}

/** 1,2,3,5,7,8 → "1–3, 5, 7–8" */
function ranges(ports: number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ') || '—';
}

function formatDate(ms: number, lang: 'ja' | 'en'): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: lang === 'ja' ? 'Asia/Tokyo' : 'UTC',
    timeZoneName: 'short',
  }).format(ms);
}
