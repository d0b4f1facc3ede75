// Fills a database with synthetic finished diagnoses through the Store (createScan →
// appendResults → finishScan, the same calls a real diagnosis makes, so the statistics
// aggregates are written exactly as in production), for the statistics benchmark and the /stats
// screenshots. No network traffic at all: results are invented.
//
//   npx tsx scripts/seed-stats.ts --database-url sqlite:/tmp/stats.db --count 100000 [--weeks 52]
//     [--seed 1] [--concurrency 8]
//
// Addresses stored are documentation prefixes (192.0.2.x, 2001:db8::/48) in truncated form.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PRESETS } from '../src/core/catalog.js';
import { KyselyStore } from '../src/store/kysely-store.js';
import { migrateToLatest } from '../src/store/migrations/index.js';
import { openDatabase } from '../src/store/open-database.js';

/** Rough open rates per port (445 ≈ 3 %, as LAC's figure 4 found; the rest invented). */
const OPEN_RATE: Record<number, number> = {
  21: 0.02,
  22: 0.05,
  23: 0.01,
  80: 0.12,
  135: 0.01,
  139: 0.02,
  445: 0.03,
  3389: 0.02,
  5900: 0.01,
  8080: 0.06,
};

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    count: { type: 'string', default: '100000' },
    weeks: { type: 'string', default: '52' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
  },
});
const url = values['database-url'];
if (!url) throw new Error('--database-url is required (e.g. sqlite:/tmp/selfscan-stats.db)');
const count = Number(values.count);
const weeks = Number(values.weeks);
const concurrency = Number(values.concurrency);

let state = Number(values.seed) >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const database = await openDatabase(url);
await migrateToLatest(database.db);
const store = new KyselyStore(database.db);
// Finished from `weeks` weeks ago until the end of last week (so every week is complete).
const now = Date.now();
const day = 86_400_000;
const monday = now - ((new Date(now).getUTCDay() + 6) % 7) * day;
const end = Date.UTC(
  new Date(monday).getUTCFullYear(),
  new Date(monday).getUTCMonth(),
  new Date(monday).getUTCDate(),
);
const start = end - weeks * 7 * day;
const ports = PRESETS.core.map((port) => ({ port, protocol: 'tcp' as const }));

let next = 0;
let codeNo = 0;
const t0 = performance.now();
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= count) return;
    const at = start + Math.floor(rand() * (end - start - 60_000));
    const family = rand() < 0.3 ? 6 : 4;
    const id = randomBytes(16).toString('base64url');
    await store.createScan({
      id,
      code: `Z${(++codeNo).toString(36).padStart(8, '0')}${randomBytes(2).toString('hex')}`,
      requesterKey: `seed-${id}`,
      address: family === 4 ? '192.0.2.x' : '2001:db8::/48',
      addressHash: null,
      family,
      addressClass: 'global',
      ports,
      label: null,
      termsVersion: 'seed',
      catalogVersion: 'seed',
      vantage: 'default',
      createdAt: at,
    });
    await store.markRunning(id, at);
    const results = ports.map((p) => {
      const open = rand() < (OPEN_RATE[p.port] ?? 0.005);
      const filtered = !open && rand() < 0.6;
      return {
        ...p,
        state: open ? ('open' as const) : filtered ? ('filtered' as const) : ('closed' as const),
        reason: open
          ? ('syn-ack' as const)
          : filtered
            ? ('timeout' as const)
            : ('refused' as const),
        ms: 1 + Math.floor(rand() * 300),
      };
    });
    await store.appendResults(id, results);
    const exposed = results.some((r) => r.state === 'open');
    const failed = rand() < 0.01;
    await store.finishScan(id, {
      status: failed ? 'failed' : 'done',
      verdict: failed ? null : exposed ? 'exposed' : 'safe',
      finishedAt: at + 5_000 + Math.floor(rand() * 30_000),
    });
    if (i > 0 && i % 10_000 === 0)
      process.stderr.write(`${i} diagnoses, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
process.stderr.write(
  `seeded ${count} diagnoses over ${weeks} weeks in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
await store.close();
await database.close();
