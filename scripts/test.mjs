// Lists every *.test.ts under test/ (Node 20's --test takes no globs) and runs them with node:test
// through tsx. Usage: npm test [-- <path filter> ...]. Node's own summary is the last output.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = readdirSync('test', { recursive: true })
  .map((f) => join('test', String(f)))
  .filter((f) => f.endsWith('.test.ts') || f.endsWith('.test.tsx'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}
// Namespace and database tests share machine-wide resources; one file at a time keeps them honest.
const concurrency = process.env.SELFSCAN_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
