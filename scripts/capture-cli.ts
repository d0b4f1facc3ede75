// Regenerates docs/cli-check-ja.txt: `selfscan check` in Japanese on a real terminal (tmux, 80
// columns), run from a lab namespace against the real server, captured with `tmux capture-pane`
// twice: while the scan runs (the progress line) and when it has finished (the table).
// Needs root (namespace lab). Usage: node --import tsx scripts/capture-cli.ts
// Traffic: only to the lab's addresses (198.18.0.0/15) inside the namespace it creates.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, REPO_ROOT } from '../test/helpers/lab.js';
import { startServerProcess } from '../test/helpers/server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const session = `selfscan-capture-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

const lab = await createLab();
const server = await startServerProcess({
  host: lab.scannerV4,
  env: {
    SELFSCAN_MODE: 'local',
    SELFSCAN_LOG_LEVEL: 'warn',
    SELFSCAN_CONCURRENCY_PER_TARGET: '2',
    SELFSCAN_PROBE_TIMEOUT_MIN_MS: '1500', // slow enough to see the progress line
  },
});
try {
  await lab.listen([445, 3389]);
  await lab.drop([135, 139, 1433, 5900, 7547, 8080]); // silent ports: the scan takes a few seconds
  const cli = join(REPO_ROOT, 'bin', 'selfscan.mjs');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '60',
    '-e',
    'LANG=ja_JP.UTF-8',
    '-e',
    'NO_COLOR=1',
  );
  tmux(
    'send-keys',
    '-t',
    session,
    `clear; ip netns exec ${lab.targetNs} node ${cli} check --server ${server.baseUrl}`,
    'Enter',
  );
  const capture = () => tmux('capture-pane', '-p', '-t', session).replace(/\s+$/, '');
  let screen = '';
  for (let i = 0; i < 100 && !screen.includes('[y/N]'); i++) {
    await sleep(100);
    screen = capture();
  }
  tmux('send-keys', '-t', session, 'y', 'Enter');
  let during = '';
  for (let i = 0; i < 100 && !/診断中… [1-9]\d*\/\d+/.test(during); i++) {
    await sleep(50);
    during = capture();
  }
  let after = '';
  for (let i = 0; i < 600 && !after.includes('結果コード'); i++) {
    await sleep(100);
    after = capture();
  }
  after = tmux('capture-pane', '-p', '-S', '-', '-t', session).replace(/\s+$/, ''); // with scrollback
  writeFileSync(
    join(REPO_ROOT, 'docs', 'cli-check-ja.txt'),
    [
      '# `selfscan check` in Japanese on an 80-column terminal: tmux capture-pane of a real run by',
      '# scripts/capture-cli.ts. The client runs in a lab namespace (198.18.0.0/15, benchmarking',
      '# addresses, hence 予約済み) with TCP 445 and 3389 listening and six ports dropped by nft;',
      '# the server is the real one, on the lab scanner address. First the screen while the scan',
      '# runs (progress on stderr), then the whole terminal history when it has finished.',
      '',
      '## While the scan runs',
      '',
      during,
      '',
      '## When it has finished',
      '',
      after,
      '',
    ].join('\n'),
  );
  console.log(after);
} finally {
  try {
    tmux('kill-session', '-t', session);
  } catch {}
  await server.stop();
  await lab.close();
}
