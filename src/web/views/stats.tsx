// /stats: the public statistics (PRODUCT.md feature 11) — the same figures as GET /api/v1/stats
// (one StatsResponse), as SVG charts with the numbers in tables, a period selector that works
// without JavaScript, and links to the open data.
import { catalogEntryFor } from '../../core/catalog.js';
import { TREND_PORTS } from '../../core/public-stats.js';
import type { StatsResponse } from '../../http/api-schemas.js';
import { BarChart, LineChart } from '../svg-chart.js';
import { Layout, type PageContext } from './layout.js';

export const PERIOD_CHOICES = ['4', '13', '52', '104', 'all'] as const;
export type PeriodChoice = (typeof PERIOD_CHOICES)[number];

type Figure = StatsResponse['ports'][number];

function count(n: number | null) {
  return n === null ? '—' : n.toLocaleString('en-US');
}
function share(n: number | null) {
  return n === null ? '—' : `${(n * 100).toFixed(1)}%`;
}

export function StatsPage({
  ctx,
  stats,
  choice,
}: {
  ctx: PageContext;
  stats: StatsResponse;
  choice: PeriodChoice;
}) {
  const t = ctx.t.stats;
  const service = (f: Figure) =>
    catalogEntryFor(f.protocol as 'tcp', f.port)?.text[ctx.lang].name ?? '';
  const listed = stats.ports.filter((f) => catalogEntryFor(f.protocol as 'tcp', f.port));
  const query = `from=${stats.from}&to=${stats.to}`;
  const empty = stats.diagnoses === 0;
  const trend = TREND_PORTS.map((port) => ({
    label: `TCP ${port}`,
    values: stats.weekly.map((w) => w.ports.find((p) => p.port === port)?.openShare ?? null),
  }));
  const fam = (f: 4 | 6) => stats.families.find((x) => x.family === f);
  return (
    <Layout ctx={ctx} title={t.title}>
      <h1>{t.title}</h1>
      <p>{t.lead}</p>
      <form method="get" action="/stats" class="period">
        <label for="weeks">{t.period}</label>{' '}
        <select id="weeks" name="weeks">
          {PERIOD_CHOICES.map((c) => (
            <option value={c} selected={c === choice}>
              {c === 'all' ? t.periodAll : t.periodWeeks(Number(c))}
            </option>
          ))}
        </select>{' '}
        <button type="submit">{t.show}</button>
      </form>
      <p class="hint" data-testid="stats-range">
        {empty ? t.noData : t.range(stats.from, stats.to)}
      </p>
      <dl class="stats-total">
        <div>
          <dt>{t.diagnoses}</dt>
          <dd data-testid="stats-diagnoses">{count(stats.diagnoses)}</dd>
        </div>
      </dl>
      <p class="hint">{t.suppressedNote(stats.k)}</p>

      <h2 id="share-h">{t.shareHeading}</h2>
      <BarChart
        title={t.chartTitle}
        hidden={t.suppressed.replace('k', String(stats.k))}
        bars={listed.map((f) => ({ label: `${f.port} ${service(f)}`, value: f.openShare }))}
      />
      <section class="table-wrap" aria-labelledby="share-h" tabindex={0}>
        <table class="results stats" data-testid="stats-ports">
          <caption>{t.shareCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{t.port}</th>
              <th scope="col">{t.service}</th>
              <th scope="col" class="num">
                {t.tested}
              </th>
              <th scope="col" class="num">
                {t.open}
              </th>
              <th scope="col" class="num">
                {t.openShare}
              </th>
            </tr>
          </thead>
          <tbody>
            {listed.map((f) => (
              <tr data-port={`${f.protocol}/${f.port}`}>
                <th scope="row">{f.port}</th>
                <td>{service(f)}</td>
                <td class="num">{count(f.tested)}</td>
                <td class="num">{count(f.open)}</td>
                <td class="num">{share(f.openShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <h2 id="trend-h">{t.trendHeading}</h2>
      <LineChart title={t.trendTitle} xLabels={stats.weekly.map((w) => w.week)} series={trend} />
      <details class="all-results">
        <summary>{t.trendHeading}</summary>
        <section class="table-wrap" aria-labelledby="trend-h" tabindex={0}>
          <table class="results stats" data-testid="stats-weekly">
            <thead>
              <tr>
                <th scope="col">{t.week}</th>
                <th scope="col" class="num">
                  {t.diagnoses}
                </th>
                {TREND_PORTS.map((p) => (
                  <th scope="col" class="num">
                    {p}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {stats.weekly.map((w) => (
                <tr data-week={w.week}>
                  <th scope="row">{w.week}</th>
                  <td class="num">{count(w.diagnoses)}</td>
                  {TREND_PORTS.map((port) => (
                    <td class="num">
                      {share(w.ports.find((p) => p.port === port)?.openShare ?? null)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>

      <h2 id="fam-h">{t.familiesHeading}</h2>
      <section class="table-wrap" aria-labelledby="fam-h" tabindex={0}>
        <table class="results stats" data-testid="stats-families">
          <thead>
            <tr>
              <th scope="col">{t.port}</th>
              <th scope="col" class="num">
                {t.family(4)}
              </th>
              <th scope="col" class="num">
                {t.family(6)}
              </th>
            </tr>
          </thead>
          <tbody>
            <tr data-port="diagnoses">
              <th scope="row">{t.diagnoses}</th>
              <td class="num">{count(fam(4)?.diagnoses ?? null)}</td>
              <td class="num">{count(fam(6)?.diagnoses ?? null)}</td>
            </tr>
            {listed.map((f) => {
              const of = (x: 4 | 6) =>
                fam(x)?.ports.find((p) => p.port === f.port && p.protocol === f.protocol)
                  ?.openShare ?? null;
              return (
                <tr data-port={`${f.protocol}/${f.port}`}>
                  <th scope="row">
                    {f.port} {service(f)}
                  </th>
                  <td class="num">{share(of(4))}</td>
                  <td class="num">{share(of(6))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <h2 id="out-h">{t.outcomesHeading}</h2>
      <section class="table-wrap" aria-labelledby="out-h" tabindex={0}>
        <table class="results stats" data-testid="stats-outcomes">
          <tbody>
            {(['exposed', 'incomplete', 'safe', 'failed'] as const).map((o) => (
              <tr data-outcome={o}>
                <th scope="row">{t.outcome[o]}</th>
                <td class="num">{count(stats.outcomes[o])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {t.method.map((line) => (
        <p class="hint">{line}</p>
      ))}
      <p>
        {t.openData} <a href={`/api/v1/stats?${query}`}>JSON</a> ·{' '}
        <a href={`/api/v1/stats.csv?${query}`}>CSV</a> · <a href="/openapi.json">OpenAPI</a>
      </p>
      <p>
        <a href={stats.licence.url} rel="license">
          {t.licence(stats.licence.name)}
        </a>
      </p>
    </Layout>
  );
}
