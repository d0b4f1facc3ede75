// The public statistics as the page, the JSON and the CSV serve them: one period rule, one
// suppression (core/public-stats.ts), one short cache. Counts come from the aggregates only.
import type { Config } from '../config.js';
import { PRESETS } from '../core/catalog.js';
import { publicStats, STATS_LICENCE, statsPeriod } from '../core/public-stats.js';
import { addDays, dayOf, isDay, weekOf, weeksBetween } from '../core/stats-calendar.js';
import type { Store } from '../store/store.js';
import type { StatsResponse } from './api-schemas.js';
import { ApiError } from './errors.js';

/** The default period, in complete weeks. */
export const DEFAULT_WEEKS = 52;
/** The longest period one request may ask for (ten years of weeks). */
const MAX_WEEKS = 522;
/** A computed answer is served again for this long (the figures change once a week). */
const CACHE_MS = 60_000;
const CACHE_MAX = 64;

/** Ports always listed (a fixed list reveals nothing by being there): the recommended ones. */
const LISTED = PRESETS.core.map((port) => ({ port, protocol: 'tcp' }));

export interface StatsQueryInput {
  from?: string | undefined;
  to?: string | undefined;
}

/** The /stats page's period choices as an API query: the last N complete weeks, or all. */
export function statsPeriodFor(choice: string, now = Date.now()): StatsQueryInput {
  const to = addDays(weekOf(dayOf(now)), -1);
  const weeks = choice === 'all' ? MAX_WEEKS : Number(choice);
  return { from: addDays(weekOf(to), -7 * (weeks - 1)), to };
}

export interface StatsSource {
  /** Throws ApiError invalid_request for a day that does not exist or a reversed period. */
  get(query: StatsQueryInput, now?: number): Promise<StatsResponse>;
}

export function createStatsSource(deps: { store: Store; config: Config }): StatsSource {
  const cache = new Map<string, { at: number; value: Promise<StatsResponse> }>();
  return {
    async get(query, now = Date.now()) {
      const today = dayOf(now);
      const lastComplete = addDays(weekOf(today), -1);
      for (const [name, value] of Object.entries(query))
        if (value !== undefined && !isDay(value))
          throw new ApiError('invalid_request', `"${name}" must be a real day written YYYY-MM-DD.`);
      const to = query.to ?? lastComplete;
      const from = query.from ?? addDays(weekOf(to), -7 * (DEFAULT_WEEKS - 1));
      if (from > to) throw new ApiError('invalid_request', '"from" must not be after "to".');
      const period = statsPeriod(from, to, today);
      if (period.from <= period.to && weeksBetween(period.from, period.to).length > MAX_WEEKS)
        throw new ApiError('invalid_request', `A period may cover at most ${MAX_WEEKS} weeks.`);
      const key = `${period.from}|${period.to}`;
      const hit = cache.get(key);
      if (hit && now - hit.at < CACHE_MS) return hit.value;
      const value = (async (): Promise<StatsResponse> => {
        const counters =
          period.from <= period.to
            ? await deps.store.statsCounts(period.from, period.to)
            : { ports: [], diagnoses: [] };
        // Weeks before the first counted diagnosis are left out (they are all zero).
        const first = counters.diagnoses.reduce<string | undefined>(
          (min, d) => (min === undefined || d.week < min ? d.week : min),
          undefined,
        );
        const shown =
          first !== undefined && first > period.from ? { ...period, from: first } : period;
        return {
          ...publicStats(counters, shown, deps.config.statsMinCell, LISTED),
          licence: { ...STATS_LICENCE },
        };
      })();
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(key, { at: now, value });
      value.catch(() => cache.delete(key));
      return value;
    },
  };
}

const CSV_HEADER = 'from,to,k,week,family,port,protocol,measure,value';

/** The same figures as the JSON, one per line ("long" format: pivot as you like). An empty
 *  value is a suppressed cell. week / family / port / protocol are empty where they do not
 *  apply (the whole period, both families). */
export function statsCsv(s: StatsResponse): string {
  const lines = [CSV_HEADER];
  const put = (
    week: string,
    family: string,
    port: string,
    protocol: string,
    measure: string,
    value: number | null,
  ) =>
    lines.push([s.from, s.to, s.k, week, family, port, protocol, measure, value ?? ''].join(','));
  const ports = (week: string, family: string, list: StatsResponse['ports']) => {
    for (const p of list) {
      put(week, family, String(p.port), p.protocol, 'tested', p.tested);
      put(week, family, String(p.port), p.protocol, 'open', p.open);
      put(week, family, String(p.port), p.protocol, 'open_share', p.openShare);
    }
  };
  put('', '', '', '', 'diagnoses', s.diagnoses);
  for (const [outcome, n] of Object.entries(s.outcomes))
    put('', '', '', '', `diagnoses_${outcome}`, n);
  ports('', '', s.ports);
  for (const f of s.families) {
    put('', String(f.family), '', '', 'diagnoses', f.diagnoses);
    ports('', String(f.family), f.ports);
  }
  for (const w of s.weekly) {
    put(w.week, '', '', '', 'diagnoses', w.diagnoses);
    ports(w.week, '', w.ports);
  }
  return `${lines.join('\r\n')}\r\n`;
}
