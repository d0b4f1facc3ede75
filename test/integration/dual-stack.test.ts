// Both stacks in one diagnosis (issue 15), through the real HTTP path: the service (in this
// process) answers on the lab's scanner IPv4 AND IPv6 address, which stand for the IPv4-only and
// the IPv6-only family origin; the client (test/helpers/dual-stack-client.mjs) runs INSIDE the lab
// namespace, which holds an IPv4 and an IPv6 address with DIFFERENT rules per family: 445 dropped
// on IPv4 only, 3389 dropped on IPv6 only. One diagnosis (consent, whoami on both origins, scan
// with the tickets) must report every port right per family, the per-family verdicts and the
// overall verdict; with IPv6 cut off, IPv6 is `not_tested` and the overall verdict is not `safe`.
// Needs root (skips loudly otherwise, fails under CI=true).
//
// Traffic: only to the lab's addresses (198.18.0.0/15, 2001:2::/48) inside namespaces it creates.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import { createLab, type Lab, labSupport, REPO_ROOT, requireLab } from '../helpers/lab.js';
import { freePort } from '../helpers/server-process.js';

const LISTEN = [22, 445, 3389];
const PORTS = [22, 23, 445, 3389];

/** Ground truth per family: listeners on 22/445/3389 (dual stack), 445 dropped on IPv4 only,
 *  3389 dropped on IPv6 only, 23 closed everywhere. */
function expected(family: 4 | 6, port: number): { state: string; reason: string } {
  if ((family === 4 && port === 445) || (family === 6 && port === 3389))
    return { state: 'filtered', reason: 'timeout' };
  if (LISTEN.includes(port)) return { state: 'open', reason: 'syn-ack' };
  return { state: 'closed', reason: 'refused' };
}

interface Line {
  step: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, checked below
  [key: string]: any;
}

describe('one diagnosis, both stacks, through the real HTTP path (lab)', {
  concurrency: false,
}, () => {
  let lab: Lab | undefined;
  let service: Service | undefined;
  let v6Server: http.Server | undefined;
  let main = '';
  let v6Origin = '';
  const dirs: string[] = [];
  let connectLog = '';
  let servicePort = 0;
  /** Every TCP destination this process (the service: the clients run in the namespace)
   *  connected to, from test/helpers/connect-log.mjs. */
  const connected = () =>
    existsSync(connectLog)
      ? readFileSync(connectLog, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { layer: string; host: string; port: number })
          // The test's own requests to the service's page (fetch of /r/…) are not probes.
          .filter(
            (c) => c.layer === 'tcp' && !(c.host === lab?.scannerV4 && c.port === servicePort),
          )
      : [];

  before(async () => {
    if (!labSupport().ok) return;
    // The self-only spy across the ticket path: every connect() of this process is logged.
    const logDir = mkdtempSync(join(tmpdir(), 'selfscan-dual-log-'));
    dirs.push(logDir);
    connectLog = join(logDir, 'connects.jsonl');
    process.env.SELFSCAN_TEST_CONNECT_LOG = connectLog;
    // @ts-expect-error a plain-JS preload without types: imported for its effect only
    await import('../helpers/connect-log.mjs');
    lab = await createLab({ delayMs: 1 });
    await lab.listen(LISTEN);
    await lab.addTargetInputRule('meta nfproto ipv4 tcp dport 445 drop');
    await lab.addTargetInputRule('meta nfproto ipv6 tcp dport 3389 drop');
    const port = await freePort(lab.scannerV4);
    servicePort = port;
    main = `http://${lab.scannerV4}:${port}`;
    v6Origin = `http://[${lab.scannerV6}]:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-dual-'));
    dirs.push(dir);
    service = await startService(
      loadConfig({
        SELFSCAN_MODE: 'local',
        SELFSCAN_HOST: lab.scannerV4,
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_PUBLIC_ORIGIN: main,
        SELFSCAN_V4_ORIGIN: main,
        SELFSCAN_V6_ORIGIN: v6Origin,
        SELFSCAN_CONCURRENCY_PER_TARGET: '4',
        SELFSCAN_PROBE_TIMEOUT_MIN_MS: '250',
        SELFSCAN_LOG_LEVEL: 'warn',
        SELFSCAN_SHUTDOWN_TIMEOUT_MS: '2000',
      }),
    );
    await service.app.listen({ host: lab.scannerV4, port });
    // The same app answers on the IPv6 address: the IPv6-only origin of a real deployment.
    v6Server = http.createServer((req, res) => service!.app.routing(req, res));
    await new Promise<void>((resolve, reject) => {
      v6Server!.once('error', reject);
      v6Server!.listen({ host: lab!.scannerV6, port }, resolve);
    });
  });
  after(async () => {
    await new Promise((resolve) => (v6Server ? v6Server.close(resolve) : resolve(undefined)));
    await service?.close();
    await lab?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const client = async (ports: number[]): Promise<Line[]> => {
    const r = await lab!.execInTarget(
      [
        process.execPath,
        join(REPO_ROOT, 'test', 'helpers', 'dual-stack-client.mjs'),
        '--main',
        main,
        '--v4',
        main,
        '--v6',
        v6Origin,
        '--ports',
        ports.join(','),
      ],
      { timeoutMs: 100_000 },
    );
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Line);
    const error = lines.find((l) => l.step === 'error');
    assert.equal(r.code, 0, `client failed: ${error?.message ?? r.stderr}`);
    return lines;
  };

  it('reports every port right per family, per-family verdicts and the overall verdict', {
    timeout: 120_000,
  }, async (t) => {
    if (!requireLab(t) || !lab) return;
    const lines = await client(PORTS);
    const who = lines.find((l) => l.step === 'whoami')!;
    assert.equal(who.v4.body.address, lab.targetV4, 'the IPv4 origin saw the IPv4 address');
    assert.equal(who.v6.body.address, lab.targetV6, 'the IPv6 origin saw the IPv6 address');
    assert.equal(who.v4.body.family, 4);
    assert.equal(who.v6.body.family, 6);
    assert.ok(who.v4.body.ticket && who.v6.body.ticket, 'a ticket from each origin');
    assert.equal(lines.find((l) => l.step === 'accepted')?.status, 202);

    const final = lines.find((l) => l.step === 'final')!.scan;
    assert.equal(final.status, 'done');
    assert.equal(final.address, lab.targetV4, 'the top-level address is the requester');
    assert.equal(final.family, 4);
    assert.equal(final.total, 2 * PORTS.length);
    assert.deepEqual(
      final.targets.map((x: Line) => [x.family, x.address, x.status, x.verdict]),
      [
        [4, lab.targetV4, 'done', 'exposed'],
        [6, lab.targetV6, 'done', 'exposed'],
      ],
    );
    assert.equal(final.verdict, 'exposed');
    assert.equal(final.results.length, 2 * PORTS.length);
    for (const r of final.results)
      assert.deepEqual(
        { state: r.state, reason: r.reason },
        expected(r.family, r.port),
        `IPv${r.family} port ${r.port}`,
      );
    for (const family of [4, 6] as const)
      assert.deepEqual(
        final.results
          .filter((r: Line) => r.family === family)
          .map((r: Line) => r.port)
          .sort((a: number, b: number) => a - b),
        PORTS,
        `every port once on IPv${family}`,
      );

    // The live stream said the same: every result with its family, once, then one end.
    const events = lines.filter((l) => l.step === 'event');
    const results = events.filter((e) => e.event === 'result');
    assert.equal(results.length, 2 * PORTS.length);
    for (const e of results)
      assert.deepEqual(
        { state: e.data.state, reason: e.data.reason },
        expected(e.data.family, e.data.port),
        `SSE IPv${e.data.family} port ${e.data.port}`,
      );
    assert.deepEqual(events.at(-1)?.data, { status: 'done', verdict: 'exposed' });
    assert.equal(new Set(results.map((e) => e.id)).size, results.length, 'event ids unique');

    // The spy: the service connected to the requester's address and the ticket's, nothing else.
    const hosts = new Set(connected().map((c) => c.host));
    assert.deepEqual([...hosts].sort(), [lab.targetV4, lab.targetV6].sort());

    // The result page says it per family and overall, in both languages.
    const id = lines.find((l) => l.step === 'accepted')!.body.id as string;
    for (const [lang, words] of [
      ['en', /Result per address family[\s\S]*Overall/],
      ['ja', /アドレスの種類ごとの結果[\s\S]*総合/],
    ] as const) {
      const html = await (await fetch(`${main}/r/${id}?lang=${lang}`)).text();
      assert.match(html, words, lang);
      assert.match(
        html,
        /data-testid="target-4" data-family="4" data-status="done" data-verdict="exposed"/,
      );
      assert.match(
        html,
        /data-testid="target-6" data-family="6" data-status="done" data-verdict="exposed"/,
      );
      assert.match(html, /data-testid="overall" data-verdict="exposed"/);
      assert.match(html, /id="row-6-445" data-port="445" data-protocol="tcp" data-state="open"/);
      assert.match(
        html,
        /id="row-4-445" data-port="445" data-protocol="tcp" data-state="filtered"/,
      );
      assert.match(html, /id="row-4-3389" data-port="3389" data-protocol="tcp" data-state="open"/);
      assert.match(
        html,
        /id="row-6-3389" data-port="3389" data-protocol="tcp" data-state="filtered"/,
      );
    }
  });

  it('the CLI: --family both (the default when announced) tests both; --family 6 only IPv6', {
    timeout: 120_000,
  }, async (t) => {
    if (!requireLab(t) || !lab) return;
    const cli = (extra: string[]) =>
      lab!.execInTarget(
        [
          'env',
          'NO_COLOR=1',
          'LANG=C.UTF-8',
          process.execPath,
          join(REPO_ROOT, 'bin', 'selfscan.mjs'),
          'check',
          '--server',
          main,
          '--ports',
          PORTS.join(','),
          '--accept-terms',
          '--json',
          ...extra,
        ],
        { timeoutMs: 90_000 },
      );
    const both = await cli([]);
    const scan = JSON.parse(both.stdout);
    assert.deepEqual(
      scan.targets.map((x: Line) => [x.family, x.address, x.verdict]),
      [
        [4, lab.targetV4, 'exposed'],
        [6, lab.targetV6, 'exposed'],
      ],
      both.stderr,
    );
    const six = await cli(['--family', '6']);
    const only6 = JSON.parse(six.stdout);
    assert.equal(only6.address, lab.targetV6, six.stderr);
    assert.equal(only6.family, 6);
    assert.ok(only6.results.every((r: Line) => r.family === 6));
  });

  it('IPv6 cut off: IPv6 is not_tested with a reason, and the overall verdict is not safe', {
    timeout: 120_000,
  }, async (t) => {
    if (!requireLab(t) || !lab) return;
    // Nothing reaches the namespace over IPv6 any more (so neither the page's whoami nor a probe).
    await lab.addTargetInputRule('meta nfproto ipv6 drop');
    // IPv4 alone is safe here: 23 closed, 445 dropped.
    const lines = await client([23, 445]);
    const who = lines.find((l) => l.step === 'whoami')!;
    assert.equal(who.v6.ok, false, 'the IPv6 origin was not reachable');
    const final = lines.find((l) => l.step === 'final')!.scan;
    assert.equal(final.status, 'done');
    const [v4, v6] = final.targets;
    assert.deepEqual([v4.family, v4.status, v4.verdict], [4, 'done', 'safe']);
    assert.deepEqual([v6.family, v6.status, v6.verdict, v6.address], [6, 'not_tested', null, null]);
    assert.match(v6.reason, /did not reach this service/);
    assert.equal(final.verdict, 'incomplete', 'never safe while a family was not tested');
    assert.ok(
      final.results.every((r: Line) => r.family === 4),
      'nothing probed over IPv6',
    );
    // Across every diagnosis of this file: only the lab client's own two addresses.
    assert.ok(
      connected().every((c) => c.host === lab!.targetV4 || c.host === lab!.targetV6),
      JSON.stringify([...new Set(connected().map((c) => c.host))]),
    );
    assert.deepEqual(lines.filter((l) => l.step === 'event').at(-1)?.data, {
      status: 'done',
      verdict: 'incomplete',
    });
    const id = lines.find((l) => l.step === 'accepted')!.body.id as string;
    const html = await (await fetch(`${main}/r/${id}?lang=en`)).text();
    assert.match(html, /data-testid="target-6" data-family="6" data-status="not_tested"/);
    assert.match(html, /did not reach this service over this address family/);
    assert.match(html, /data-testid="verdict" data-verdict="incomplete"/);
  });
});
