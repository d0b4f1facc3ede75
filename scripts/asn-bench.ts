// Cost of the offline ASN table (issue 15): load time, memory, lookups per second.
// Usage: npx tsx scripts/asn-bench.ts TABLE.bin [--lookups N]
// TABLE.bin comes from `npm run asn:import -- asn-ipv4.csv asn-ipv6.csv --out TABLE.bin`. The
// lookups are of pseudo-random addresses generated here (a fixed seed): no traffic is sent.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AsnTable } from '../src/core/asn-table.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { lookups: { type: 'string', default: '1000000' } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npx tsx scripts/asn-bench.ts TABLE.bin [--lookups N]\n');
  process.exit(64);
}
const n = Math.min(10_000_000, Math.max(1000, Number(values.lookups)));

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage();
const t0 = performance.now();
const bytes = readFileSync(file);
const t1 = performance.now();
const table = AsnTable.fromBytes(bytes);
const t2 = performance.now();
gc?.();
const after = process.memoryUsage();

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed;
};
const v4 = Array.from({ length: 4096 }, () => {
  const x = rand();
  return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
});
const v6 = Array.from(
  { length: 4096 },
  () =>
    `240${(rand() & 0xf).toString(16)}:${(rand() & 0xffff).toString(16)}:${(rand() & 0xffff).toString(16)}::${(rand() & 0xffff).toString(16)}`,
);
const run = (list: string[]) => {
  let found = 0;
  const s = performance.now();
  for (let i = 0; i < n; i++) if (table.lookup(list[i & 4095]!)) found++;
  const ms = performance.now() - s;
  return { perSecond: Math.round((n / ms) * 1000), found: found / n };
};
const r4 = run(v4);
const r6 = run(v6);
const mb = (x: number) => (x / 1e6).toFixed(1);
process.stdout.write(
  `${JSON.stringify(
    {
      file,
      fileMB: mb(bytes.length),
      v4Ranges: table.info.v4Ranges,
      v6Ranges: table.info.v6Ranges,
      readMs: Math.round(t1 - t0),
      buildMs: Math.round(t2 - t1),
      heapDeltaMB: mb(after.heapUsed - before.heapUsed),
      arrayBuffersDeltaMB: mb(after.arrayBuffers - before.arrayBuffers),
      rssDeltaMB: mb(after.rss - before.rss),
      lookups: n,
      v4PerSecond: r4.perSecond,
      v4FoundShare: r4.found.toFixed(3),
      v6PerSecond: r6.perSecond,
      v6FoundShare: r6.found.toFixed(3),
      gcExposed: gc !== undefined,
    },
    null,
    2,
  )}\n`,
);
