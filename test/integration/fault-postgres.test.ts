// PostgreSQL stopped mid-scan and started again (issue 14), on a PRIVATE cluster this test
// creates with initdb and runs with pg_ctl on a free loopback port — the shared server on 5432 is
// never touched. A short outage is ridden out by the job's retries (the scan ends `done`); a long
// one makes the job give up and the reconciler fail the scan once the database is back. Either
// way: terminal within a minute of recovery, /readyz 503 while down and 200 after, new
// diagnoses 503 (not 500) while down, no stale 409, the live stream ends. Needs root (the
// cluster runs as the `postgres` user).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  assertCanScanAgain,
  assertWhole,
  readyz,
  requireRoot,
  startSlowScan,
  waitTerminal,
} from '../helpers/faults.js';
import { freePort } from '../helpers/server-process.js';
import { assertError, sleep, startTestService } from '../helpers/service.js';

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().pop();
  const bin = version && join(root, version, 'bin');
  return bin && existsSync(join(bin, 'pg_ctl')) ? bin : undefined;
}

/** A throw-away cluster owned by `postgres` on 127.0.0.1:<port>, trust authentication. */
async function privateCluster(bin: string) {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-pg-'));
  execFileSync('chown', ['postgres:postgres', dir]);
  const data = join(dir, 'data');
  // The server's output goes to a log file (-l): a pipe inherited by the background server
  // would keep execFileSync waiting forever.
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {
      stdio: 'ignore',
      timeout: 60_000,
    });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort('127.0.0.1');
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`;
  const log = join(dir, 'postgres.log');
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', opts, 'start']);
  const stop = () => asPostgres('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    remove() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('PostgreSQL stopped mid-scan and started again: every diagnosis ends, no stale 409', async (t) => {
  if (!requireRoot(t, 'a private PostgreSQL cluster')) return;
  const bin = postgresBin();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL binaries missing under CI=true');
    t.skip('FAULT TEST SKIPPED: no /usr/lib/postgresql/*/bin');
    return;
  }
  const pg = await privateCluster(bin);
  t.after(() => pg.remove());
  const s = await startTestService({
    SELFSCAN_DATABASE_URL: pg.url,
    SELFSCAN_CONCURRENCY_PER_TARGET: '1',
  });
  t.after(() => s.close());
  assert.equal((await readyz(s)).status, 200);

  await t.test('a short outage: the job retries its writes and the scan ends done', async () => {
    const from = '127.0.0.81';
    const id = await startSlowScan(s, from, 1500, 50);
    pg.stop();
    assert.equal((await readyz(s)).status, 503);
    await sleep(2000);
    pg.start();
    const { scan, ms } = await waitTerminal(s, id, 60_000);
    t.diagnostic(`short outage: ${scan.status} ${ms} ms after restart`);
    assert.equal(scan.status, 'done');
    assertWhole(scan);
  });

  await t.test(
    'a long outage: the job gives up, the reconciler fails the scan once PG is back',
    async () => {
      const from = '127.0.0.82';
      const id = await startSlowScan(s, from, 3000, 50);
      const stream = s.events(from, id, { timeoutMs: 120_000 });
      pg.stop();
      const down = await readyz(s);
      assert.equal(down.status, 503, JSON.stringify(down.body));
      const refused = await s.request({
        from: '127.0.0.83',
        method: 'POST',
        path: '/api/v1/consent',
        body: { accept: true },
      });
      assertError(refused, 503, 'database_unavailable');
      // Longer than the job's retry budget (STORE_RETRY_BUDGET_MS): the job has given up.
      await sleep(25_000);
      pg.start();
      const back = Date.now();
      const { scan, ms } = await waitTerminal(s, id, 60_000);
      t.diagnostic(`long outage: ${scan.status} (${scan.error?.code}) ${ms} ms after restart`);
      assert.ok(Date.now() - back < 60_000);
      assertWhole(scan);
      assert.equal((await readyz(s)).status, 200);
      // The stream that was open ends (the client reconnects, as EventSource does, and gets `end`).
      await stream.catch(() => undefined);
      const again = await s.events(from, id, { timeoutMs: 10_000 });
      assert.equal(again.events.at(-1)?.event, 'end');
      await assertCanScanAgain(s, from);
    },
  );
});
