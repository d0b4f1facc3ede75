// Repeats the "no false 「安全」" lab cases (test/integration/no-false-safe.test.ts) many times
// and prints the tally per case, for docs/benchmarks.md and the issue notes. CI runs each case a
// few times; this runs them 20 times (or --runs N). Needs root (network namespaces).
//
//   npm run truth [-- --runs 20]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
  console.error('--runs must be a whole number from 1 to 1000');
  process.exit(64);
}
const started = Date.now();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/integration/no-false-safe.test.ts'],
  {
    env: { ...process.env, SELFSCAN_TRUTH_RUNS: String(runs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let out = '';
child.stdout.on('data', (d: Buffer) => {
  out += String(d);
});
child.on('exit', (code) => {
  const lines = out.split('\n').map((l) => l.trim());
  const tallies = lines.filter((l) => /\d+ of \d+ right|misreported|ms, window/.test(l));
  console.log(
    `no-false-safe lab cases, ${runs} runs each (${Math.round((Date.now() - started) / 1000)} s):`,
  );
  for (const l of tallies) console.log(`  ${l.replace(/^ℹ\s*/, '')}`);
  const summary = lines.filter((l) => /^ℹ (tests|pass|fail) /.test(l));
  for (const l of summary) console.log(l);
  process.exit(code ?? 1);
});
