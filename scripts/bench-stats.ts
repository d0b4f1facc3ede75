// p50/p99 of the public statistics on a seeded database (scripts/seed-stats.ts), through the real
// server process on 127.0.0.1. Bounded: `--requests` sequential requests per case.
//
//   npx tsx scripts/bench-stats.ts --db /tmp/selfscan-stats-100k.db [--requests 200]
//
// Cases: the JSON with a different period each time (each a cache miss: aggregates read and
// suppression computed), the JSON for one period again and again (served from the 60 s cache),
// /stats (the page for the default 52 weeks; the first request of it is a miss) and the CSV.
// The database file is copied first, so the seeded file is left as it was.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../test/helpers/server-process.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, requests: { type: 'string', default: '200' } },
});
if (!values.db) throw new Error('--db <seeded SQLite file> is required');
const n = Number(values.requests);
const dir = mkdtempSync(join(tmpdir(), 'selfscan-bench-stats-'));
copyFileSync(values.db, join(dir, 'db.sqlite'));
const server = await startServerProcess({
  host: '127.0.0.1',
  dbDir: dir,
  // Retention long enough that every seeded diagnosis stays stored (the default 30 days would
  // purge most of them at start).
  env: { SELFSCAN_MODE: 'local', SELFSCAN_LOG_LEVEL: 'warn', SELFSCAN_RETENTION_DAYS: '3650' },
});

async function time(path: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.baseUrl}${path}`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  return performance.now() - t0;
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const report = (name: string, xs: number[]) =>
  console.log(
    `${name.padEnd(44)} n=${xs.length}  p50 ${quantile(xs, 0.5).toFixed(1)} ms  p99 ${quantile(xs, 0.99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms`,
  );

try {
  const monday = (i: number, base = Date.UTC(2021, 0, 4)) => new Date(base + i * 7 * 86_400_000);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  // Warm up the process (JIT, SQLite page cache) on one period that is not measured.
  await time('/api/v1/stats?from=2020-01-06');
  const miss: number[] = [];
  for (let i = 0; i < n; i++) miss.push(await time(`/api/v1/stats?from=${day(monday(i))}`));
  report('GET /api/v1/stats (new period: cache miss)', miss);
  const firstPage = await time('/stats');
  console.log(`GET /stats first request (cache miss)        ${firstPage.toFixed(1)} ms`);
  const page: number[] = [];
  for (let i = 0; i < n; i++) page.push(await time('/stats'));
  report('GET /stats (52 weeks, cached figures)', page);
  const hit: number[] = [];
  for (let i = 0; i < n; i++) hit.push(await time('/api/v1/stats'));
  report('GET /api/v1/stats (same period: cached)', hit);
  const csv: number[] = [];
  for (let i = 0; i < n; i++)
    csv.push(await time(`/api/v1/stats.csv?from=${day(monday(i, Date.UTC(2017, 2, 6)))}`));
  report('GET /api/v1/stats.csv (new period each time)', csv);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
