// The public statistics over HTTP: GET /api/v1/stats, /api/v1/stats.csv and the /stats page
// (both languages) publish the same figures and hide the same cells, for counters made by real
// diagnoses stored through the Store (finished in past weeks), with SELFSCAN_STATS_MIN_CELL=3.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { addDays, dayOf, dayStart, weekOf } from '../../src/core/stats-calendar.js';
import type { StatsResponse } from '../../src/http/api-schemas.js';
import { startTestService, type TestService } from '../helpers/service.js';

const K = 3;
const FROM = '127.0.0.31';
let s: TestService;
/** The Monday three weeks before this week. */
const thisWeek = weekOf(dayOf(Date.now()));
const weekA = addDays(thisWeek, -21);
const weekB = addDays(thisWeek, -14);

let codeNo = 0;
async function diagnosis(
  week: string,
  family: 4 | 6,
  states: Record<number, 'open' | 'closed' | 'filtered'>,
  verdict: 'exposed' | 'safe' | null,
) {
  const id = randomBytes(16).toString('base64url');
  const at = dayStart(week) + 2 * 86_400_000 + 3_600_000;
  const ports = Object.keys(states).map((p) => ({ port: Number(p), protocol: 'tcp' as const }));
  await s.service.store.createScan({
    id,
    code: `ST${(++codeNo).toString().padStart(6, '0')}`,
    requesterKey: `rk-${id}`,
    address: family === 4 ? '192.0.2.x' : '2001:db8::/48',
    addressHash: null,
    family,
    addressClass: 'global',
    ports,
    label: null,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'default',
    createdAt: at,
  });
  await s.service.store.appendResults(
    id,
    ports.map((p) => ({
      ...p,
      state: states[p.port]!,
      reason: states[p.port] === 'open' ? 'syn-ack' : 'refused',
      ms: 1,
    })),
  );
  await s.service.store.finishScan(id, {
    status: verdict === null ? 'failed' : 'done',
    verdict,
    finishedAt: at,
  });
}

before(async () => {
  s = await startTestService({ SELFSCAN_STATS_MIN_CELL: String(K) });
  // Week A: 10 IPv4 diagnoses, 445 open in 4, 22 open in 1 (small), 3389 open in 9 (1 not open).
  for (let i = 0; i < 10; i++)
    await diagnosis(
      weekA,
      4,
      {
        445: i < 4 ? 'open' : 'closed',
        22: i === 0 ? 'open' : 'filtered',
        3389: i < 9 ? 'open' : 'closed',
        23: 'closed',
      },
      i < 9 ? 'exposed' : 'safe',
    );
  // Week B: 6 IPv4 + 2 IPv6 (small), one failed.
  for (let i = 0; i < 8; i++)
    await diagnosis(
      weekB,
      i < 6 ? 4 : 6,
      { 445: i < 3 ? 'open' : 'closed', 23: 'closed' },
      i === 7 ? null : i < 3 ? 'exposed' : 'safe',
    );
});
after(() => s?.close());

async function json(path: string): Promise<StatsResponse> {
  const res = await s.request({ from: FROM, path });
  assert.equal(res.status, 200, res.text);
  return res.json as StatsResponse;
}

test('JSON: whole weeks, k, licence, and the small cells hidden', async () => {
  const res = await s.request({ from: FROM, path: `/api/v1/stats?from=${weekA}&to=${weekB}` });
  assert.equal(res.status, 200);
  assert.match(String(res.headers.link), /creativecommons\.org\/licenses\/by\/4\.0.*rel="license"/);
  const j = res.json as StatsResponse;
  assert.equal(j.from, weekA);
  assert.equal(j.to, addDays(weekB, 6));
  assert.equal(j.k, K);
  assert.equal(j.licence.name, 'CC BY 4.0');
  assert.equal(j.diagnoses, 18);
  const port = (p: number) => j.ports.find((x) => x.port === p)!;
  assert.deepEqual(port(445), {
    port: 445,
    protocol: 'tcp',
    tested: 18,
    open: 7,
    openShare: 0.3889,
  });
  assert.equal(port(22).tested, 10);
  assert.equal(port(22).open, null, '1 open is a small cell');
  assert.equal(port(3389).open, null, '1 not open (10 − 9) is a small cell');
  // IPv6: 2 diagnoses → hidden, and IPv4 with it (18 − IPv4 would give IPv6).
  const fam = (f: 4 | 6) => j.families.find((x) => x.family === f)!;
  assert.equal(fam(6).diagnoses, null);
  assert.equal(fam(4).diagnoses, null);
  // Outcomes: failed = 1 (small) → hidden, and the next smallest (safe: 1 + 4 = 5? exposed 12)
  assert.equal(j.outcomes.failed, null);
  assert.equal(
    [j.outcomes.exposed, j.outcomes.incomplete, j.outcomes.safe, j.outcomes.failed].filter(
      (x) => x === null,
    ).length >= 2,
    true,
  );
  assert.equal(j.weekly.length, 2);
  assert.deepEqual(
    j.weekly.map((w) => w.diagnoses),
    [10, 8],
  );
  // A period that has not ended is cut at the last complete week; a week with no data is zero.
  const now = await json(`/api/v1/stats?from=${weekA}&to=${dayOf(Date.now())}`);
  assert.equal(now.to, addDays(thisWeek, -1));
});

test('JSON: bad periods are 400 invalid_request', async () => {
  for (const q of ['from=2026-02-30', 'to=yesterday', 'from=2026-03-01&to=2026-02-01', 'x=1']) {
    const res = await s.request({ from: FROM, path: `/api/v1/stats?${q}` });
    assert.equal(res.status, 400, q);
    assert.equal(res.json.error.code, 'invalid_request', q);
  }
});

/** The CSV read back into figures: key → value (null = empty = suppressed). */
function parseCsv(text: string): Map<string, number | null> {
  const lines = text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'from,to,k,week,family,port,protocol,measure,value');
  const out = new Map<string, number | null>();
  for (const line of lines.slice(1)) {
    const [, , , week, family, port, protocol, measure, value] = line.split(',');
    out.set(
      `${week}|${family}|${port}|${protocol}|${measure}`,
      value === '' ? null : Number(value),
    );
  }
  return out;
}

/** The JSON flattened the same way. */
function flatten(j: StatsResponse): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const ports = (week: string, family: string, list: StatsResponse['ports']) => {
    for (const p of list) {
      out.set(`${week}|${family}|${p.port}|${p.protocol}|tested`, p.tested);
      out.set(`${week}|${family}|${p.port}|${p.protocol}|open`, p.open);
      out.set(`${week}|${family}|${p.port}|${p.protocol}|open_share`, p.openShare);
    }
  };
  out.set('||||diagnoses', j.diagnoses);
  for (const [o, n] of Object.entries(j.outcomes)) out.set(`||||diagnoses_${o}`, n);
  ports('', '', j.ports);
  for (const f of j.families) {
    out.set(`|${f.family}|||diagnoses`, f.diagnoses);
    ports('', String(f.family), f.ports);
  }
  for (const w of j.weekly) {
    out.set(`${w.week}||||diagnoses`, w.diagnoses);
    ports(w.week, '', w.ports);
  }
  return out;
}

const cellText = (html: string, rowAttr: string, col: number): string | undefined => {
  const row = new RegExp(`<tr ${rowAttr}>(.*?)</tr>`).exec(html)?.[1];
  if (row === undefined) return undefined;
  const cells = [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1]);
  return cells[col];
};
const countText = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
const shareText = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);

test('the page, the JSON and the CSV publish the same figures (both languages)', async () => {
  for (const lang of ['ja', 'en']) {
    const page = await s.request({ from: FROM, path: `/stats?weeks=4&lang=${lang}` });
    assert.equal(page.status, 200);
    const html = page.text;
    assert.match(html, /<svg class="chart"[^>]*role="img"/);
    const jsonLink = /href="(\/api\/v1\/stats\?from=[^"]+)"/
      .exec(html)?.[1]
      ?.replace(/&amp;/g, '&');
    assert.ok(jsonLink, 'the page links its own JSON');
    const j = await json(jsonLink);
    const csv = await s.request({ from: FROM, path: jsonLink.replace('/stats?', '/stats.csv?') });
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.deepEqual(parseCsv(csv.text), flatten(j));
    assert.equal(j.diagnoses, 18);

    assert.match(html, new RegExp(`data-testid="stats-diagnoses">${countText(j.diagnoses)}<`));
    for (const p of j.ports) {
      const attr = `data-port="${p.protocol}/${p.port}"`;
      if (cellText(html, attr, 0) === undefined) continue; // not a catalog port
      assert.equal(cellText(html, attr, 2), countText(p.tested), `${lang} ${p.port} tested`);
      assert.equal(cellText(html, attr, 3), countText(p.open), `${lang} ${p.port} open`);
      assert.equal(cellText(html, attr, 4), shareText(p.openShare), `${lang} ${p.port} share`);
    }
    for (const w of j.weekly)
      assert.equal(cellText(html, `data-week="${w.week}"`, 1), countText(w.diagnoses));
    for (const [o, n] of Object.entries(j.outcomes))
      assert.equal(cellText(html, `data-outcome="${o}"`, 1), countText(n));
    const fam = html.slice(html.indexOf('data-testid="stats-families"'));
    const f4 = j.families.find((f) => f.family === 4)!;
    const f6 = j.families.find((f) => f.family === 6)!;
    assert.equal(cellText(fam, 'data-port="diagnoses"', 1), countText(f4.diagnoses));
    assert.equal(cellText(fam, 'data-port="diagnoses"', 2), countText(f6.diagnoses));
    assert.match(html, /rel="license"/);
  }
});

test('OpenAPI documents both statistics routes with their query', async () => {
  const doc = (await s.request({ from: FROM, path: '/openapi.json' })).json;
  const get = doc.paths['/api/v1/stats'].get;
  assert.deepEqual(
    get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ['query:from', 'query:to'],
  );
  assert.ok(get.responses['200'].content['application/json'].schema.properties.ports);
  assert.ok(doc.paths['/api/v1/stats.csv'].get.responses['200'].content['text/csv']);
});
