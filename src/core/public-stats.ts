// The public statistics, from weekly counters to what anyone may see (PRODUCT.md feature 11):
// one function, so the page, the JSON and the CSV publish exactly the same numbers and hide
// exactly the same cells. Pure: the counters come from the store, the period from the route.
//
// Periods are whole ISO weeks (Monday–Sunday, UTC) and end with the last complete week: a
// figure never changes from one day to the next, so comparing today's page with yesterday's
// cannot single out one day's diagnoses.
//
// Small cells (wave2-anchors §5: suppress small counts, plus complementary suppression):
// 1. Primary: a published count is hidden when any of the weekly counts it adds up has 1 … k-1
//    (a zero is published: it describes nobody). "Open" is hidden too when the ports that were
//    tested but not open are few (tested − open would reveal them), and when "tested" is hidden.
//    So a total over a period is shown only when every week in it is, and subtracting two
//    periods' totals gives only sums of published weeks.
// 2. Complementary: in every published sum (all = IPv4 + IPv6; diagnoses = the four outcomes)
//    where exactly one term is hidden, the smallest other term is hidden as well, repeated until
//    no sum has a single hidden term, so no total reveals a hidden cell by subtraction.
// Limit: complementary cells are chosen per period; two overlapping periods can still narrow a
// complementary cell down (see docs/statistics.md).

import { addDays, weekOf, weeksBetween } from './stats-calendar.js';

export type StatsFamily = 4 | 6;
export type StatsOutcomeName = 'exposed' | 'incomplete' | 'safe' | 'failed';
export const STATS_OUTCOMES: readonly StatsOutcomeName[] = [
  'exposed',
  'incomplete',
  'safe',
  'failed',
];
/** The ports with a weekly trend (the article's figure 4, and the ones worms use). */
export const TREND_PORTS: readonly number[] = [445, 139, 22, 23, 3389];
/** The licence the open data is published under. */
export const STATS_LICENCE = {
  name: 'CC BY 4.0',
  url: 'https://creativecommons.org/licenses/by/4.0/',
} as const;

export interface WeeklyCounters {
  ports: readonly {
    week: string;
    port: number;
    protocol: string;
    state: string;
    family: StatsFamily;
    n: number;
  }[];
  diagnoses: readonly { week: string; outcome: string; family: StatsFamily; n: number }[];
}

export interface PortFigure {
  port: number;
  protocol: string;
  /** Diagnoses (per address family tested) with an answer for this port: open, closed or
   *  filtered — `error` (the scanner could not test) is not a test. null = suppressed. */
  tested: number | null;
  open: number | null;
  /** open / tested, 4 decimals. null when either is suppressed (or nothing was tested). */
  openShare: number | null;
}

export interface PublicStats {
  from: string;
  to: string;
  k: number;
  diagnoses: number | null;
  outcomes: Record<StatsOutcomeName, number | null>;
  ports: PortFigure[];
  families: { family: StatsFamily; diagnoses: number | null; ports: PortFigure[] }[];
  weekly: { week: string; diagnoses: number | null; ports: PortFigure[] }[];
}

/** A period of whole weeks: `from` moves back to its Monday, `to` forward to its Sunday, and no
 *  further than the Sunday before `today`'s week. */
export function statsPeriod(from: string, to: string, today: string): { from: string; to: string } {
  const lastComplete = addDays(weekOf(today), -1);
  const end = addDays(weekOf(to), 6);
  return { from: weekOf(from), to: [end, lastComplete].sort()[0] as string };
}

class Cell {
  hidden = false;
  constructor(
    readonly value: number,
    readonly sensitive: boolean,
  ) {
    this.hidden = sensitive;
  }
}

/** A count over weekly values: its total, and whether any week is a small cell. */
function cell(weekly: Iterable<number>, k: number): Cell {
  let total = 0;
  let small = false;
  for (const n of weekly) {
    total += n;
    if (n > 0 && n < k) small = true;
  }
  return new Cell(total, small);
}

interface PortCells {
  port: number;
  protocol: string;
  tested: Cell;
  open: Cell;
}

const EXCLUDED_FROM_TESTED = new Set(['error']);

/** What may be published for `from`…`to` (whole weeks, see statsPeriod) with threshold `k`.
 *  `listed`: ports shown even when suppressed (a fixed list reveals nothing by being there);
 *  any other port appears only when its "tested" count is published. */
export function publicStats(
  counters: WeeklyCounters,
  period: { from: string; to: string },
  k: number,
  listed: readonly { port: number; protocol: string }[],
): PublicStats {
  const weeks = period.from <= period.to ? weeksBetween(period.from, period.to) : [];
  const inPeriod = new Set(weeks);
  const W = weeks.length;
  const weekIndex = new Map(weeks.map((w, i) => [w, i]));

  // Weekly series per (port, family) and per family for diagnoses.
  type Series = { tested: number[]; open: number[] };
  const byPort = new Map<
    string,
    { port: number; protocol: string; fam: Map<StatsFamily, Series> }
  >();
  for (const r of counters.ports) {
    const i = weekIndex.get(r.week);
    if (i === undefined || !inPeriod.has(r.week)) continue;
    const key = `${r.protocol}/${r.port}`;
    let entry = byPort.get(key);
    if (!entry) {
      entry = { port: r.port, protocol: r.protocol, fam: new Map() };
      byPort.set(key, entry);
    }
    let s = entry.fam.get(r.family);
    if (!s) {
      s = { tested: new Array(W).fill(0), open: new Array(W).fill(0) };
      entry.fam.set(r.family, s);
    }
    if (!EXCLUDED_FROM_TESTED.has(r.state)) s.tested[i]! += r.n;
    if (r.state === 'open') s.open[i]! += r.n;
  }
  for (const l of listed) {
    const key = `${l.protocol}/${l.port}`;
    if (!byPort.has(key)) byPort.set(key, { port: l.port, protocol: l.protocol, fam: new Map() });
  }
  const diag = new Map<string, number[]>(); // `${outcome}/${family}` → weekly
  for (const d of counters.diagnoses) {
    const i = weekIndex.get(d.week);
    if (i === undefined) continue;
    const key = `${d.outcome}/${d.family}`;
    let s = diag.get(key);
    if (!s) {
      s = new Array(W).fill(0);
      diag.set(key, s);
    }
    s[i]! += d.n;
  }
  const zeros = () => new Array<number>(W).fill(0);
  const sumSeries = (list: number[][]) => {
    const out = zeros();
    for (const s of list) for (let i = 0; i < W; i++) out[i]! += s[i]!;
    return out;
  };
  const only = (s: number[], i: number) => [s[i]!];

  const relations: { total: Cell; parts: Cell[] }[] = [];
  const rows: PortCells[] = [];
  const portCells = (port: number, protocol: string, tested: number[], open: number[]) => {
    const notOpen = tested.map((t, i) => t - open[i]!);
    const c: PortCells = {
      port,
      protocol,
      tested: cell(tested, k),
      open: cell(open, k),
    };
    if (cell(notOpen, k).sensitive) c.open.hidden = true;
    rows.push(c);
    return c;
  };

  // Diagnoses: total, per family, per outcome, per week.
  const famSeries = (f: StatsFamily) =>
    sumSeries(STATS_OUTCOMES.map((o) => diag.get(`${o}/${f}`) ?? zeros()));
  const d4 = famSeries(4);
  const d6 = famSeries(6);
  const dAll = sumSeries([d4, d6]);
  const diagnoses = cell(dAll, k);
  const famDiag = { 4: cell(d4, k), 6: cell(d6, k) } as const;
  relations.push({ total: diagnoses, parts: [famDiag[4], famDiag[6]] });
  const outcomes = Object.fromEntries(
    STATS_OUTCOMES.map((o) => [
      o,
      cell(sumSeries([diag.get(`${o}/4`) ?? zeros(), diag.get(`${o}/6`) ?? zeros()]), k),
    ]),
  ) as Record<StatsOutcomeName, Cell>;
  relations.push({ total: diagnoses, parts: STATS_OUTCOMES.map((o) => outcomes[o]) });
  const weeklyDiag = weeks.map((_, i) => cell(only(dAll, i), k));
  relations.push({ total: diagnoses, parts: weeklyDiag });

  // Ports: all families, each family, and the weekly trend.
  const allPorts: PortCells[] = [];
  const famPorts: Record<StatsFamily, PortCells[]> = { 4: [], 6: [] };
  const trend = new Map<string, PortCells[]>();
  const ordered = [...byPort.values()].sort(
    (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol),
  );
  for (const e of ordered) {
    const s4 = e.fam.get(4) ?? { tested: zeros(), open: zeros() };
    const s6 = e.fam.get(6) ?? { tested: zeros(), open: zeros() };
    const testedAll = sumSeries([s4.tested, s6.tested]);
    const openAll = sumSeries([s4.open, s6.open]);
    const all = portCells(e.port, e.protocol, testedAll, openAll);
    allPorts.push(all);
    const p4 = portCells(e.port, e.protocol, s4.tested, s4.open);
    const p6 = portCells(e.port, e.protocol, s6.tested, s6.open);
    famPorts[4].push(p4);
    famPorts[6].push(p6);
    relations.push({ total: all.tested, parts: [p4.tested, p6.tested] });
    relations.push({ total: all.open, parts: [p4.open, p6.open] });
    if (e.protocol === 'tcp' && TREND_PORTS.includes(e.port)) {
      const perWeek = weeks.map((_, i) =>
        portCells(e.port, e.protocol, only(testedAll, i), only(openAll, i)),
      );
      trend.set(`${e.protocol}/${e.port}`, perWeek);
      relations.push({ total: all.tested, parts: perWeek.map((c) => c.tested) });
      relations.push({ total: all.open, parts: perWeek.map((c) => c.open) });
    }
  }

  // Complementary suppression, to a fixed point.
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rows)
      if (r.tested.hidden && !r.open.hidden) {
        r.open.hidden = true;
        changed = true;
      }
    for (const rel of relations) {
      const terms = [rel.total, ...rel.parts];
      if (terms.filter((c) => c.hidden).length !== 1) continue;
      const candidates = rel.parts
        .filter((c) => !c.hidden)
        .sort((a, b) => (a.value === 0 ? 1 : 0) - (b.value === 0 ? 1 : 0) || a.value - b.value);
      const pick = candidates[0] ?? rel.total;
      if (!pick.hidden) {
        pick.hidden = true;
        changed = true;
      }
    }
  }

  const show = (c: Cell) => (c.hidden ? null : c.value);
  const figure = (c: PortCells): PortFigure => {
    const tested = show(c.tested);
    const open = show(c.open);
    return {
      port: c.port,
      protocol: c.protocol,
      tested,
      open,
      openShare:
        tested === null || open === null || tested === 0
          ? null
          : Math.round((open / tested) * 10_000) / 10_000,
    };
  };
  const isListed = new Set(listed.map((l) => `${l.protocol}/${l.port}`));
  const visible = (c: PortCells) =>
    isListed.has(`${c.protocol}/${c.port}`) || (!c.tested.hidden && c.tested.value > 0);

  return {
    from: period.from,
    to: period.to,
    k,
    diagnoses: show(diagnoses),
    outcomes: Object.fromEntries(STATS_OUTCOMES.map((o) => [o, show(outcomes[o])])) as Record<
      StatsOutcomeName,
      number | null
    >,
    ports: allPorts.filter(visible).map(figure),
    families: ([4, 6] as const).map((f) => ({
      family: f,
      diagnoses: show(famDiag[f]),
      ports: famPorts[f].filter(visible).map(figure),
    })),
    weekly: weeks.map((week, i) => ({
      week,
      diagnoses: show(weeklyDiag[i]!),
      ports: TREND_PORTS.flatMap((port) => {
        const c = trend.get(`tcp/${port}`)?.[i];
        return c ? [figure(c)] : [];
      }),
    })),
  };
}
