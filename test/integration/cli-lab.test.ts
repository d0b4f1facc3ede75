// The real CLI (bin/selfscan.mjs) run as a user runs it, inside a lab namespace, against the real
// server (a child process in the root namespace on the lab's scanner address): the server sees
// the namespace's address as the requester and scans it through real listeners and nft rules.
//   safe       TCP 23 closed (RST), 135 dropped (no answer)
//   exposed    + TCP 445 listening
//   incomplete + TCP 5900 refused by the SCANNER's own routing: a policy rule for that one port
//              of the lab address (`ip rule … ipproto tcp dport 5900 prohibit`) → EACCES → error
// Output, --json (exactly the API's JSON) and exit code for each; `watch` with a rule change
// between runs reports exactly one change; a connect log preloaded into the server proves that
// the only address it ever connected to is the CLI's own (the peer), though the CLI sends none.
// Needs root (skips loudly otherwise, fails under CI=true).
//
// Traffic: only to the lab's addresses (198.18.0.0/15) inside namespaces it creates, and the
// scanner-side routing rule matches only the lab target's address and one port.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab, labSupport, REPO_ROOT, requireLab } from '../helpers/lab.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const CLI = join(REPO_ROOT, 'bin', 'selfscan.mjs');

const SERVER_ENV = {
  SELFSCAN_MODE: 'local',
  SELFSCAN_LOG_LEVEL: 'warn',
  SELFSCAN_PROBE_TIMEOUT_MIN_MS: '250',
  SELFSCAN_PROBE_RETRIES: '1',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cliIn = (lab: Lab, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  lab.execInTarget(
    [
      'env',
      'NO_COLOR=1',
      'LANG=C.UTF-8',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      process.execPath,
      CLI,
      ...args,
    ],
    {
      timeoutMs: 90_000,
    },
  );

/** `selfscan check --server <url> --ports <ports> --accept-terms …` from the lab client. */
const checkIn = (
  lab: Lab,
  server: string,
  ports: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) => cliIn(lab, ['check', '--server', server, '--ports', ports, '--accept-terms', ...extra], env);

interface ConnectLine {
  layer: 'tcp' | 'udp';
  host: string;
  port: number;
}

describe('the CLI from a lab client against the real server', { concurrency: false }, () => {
  let lab: Lab | undefined;
  let server: ServerProcess | undefined;
  let connectLog = '';
  let prohibitRule: string[] | undefined;
  const dirs: string[] = [];
  before(async () => {
    if (!labSupport().ok) return;
    lab = await createLab();
    await lab.listen([445]);
    await lab.drop([135]);
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-cli-lab-'));
    dirs.push(dir);
    connectLog = join(dir, 'connects.jsonl');
    server = await startServerProcess({
      host: lab.scannerV4,
      env: {
        ...SERVER_ENV,
        NODE_OPTIONS: `--import ${join(REPO_ROOT, 'test', 'helpers', 'connect-log.mjs')}`,
        SELFSCAN_TEST_CONNECT_LOG: connectLog,
      },
    });
    // The scanner's own routing refuses one port: connect() fails with EACCES before any packet.
    prohibitRule = [
      'rule',
      'add',
      'to',
      `${lab.targetV4}/32`,
      'ipproto',
      'tcp',
      'dport',
      '5900',
      'prohibit',
    ];
    execFileSync('ip', prohibitRule);
  });
  after(async () => {
    if (prohibitRule)
      execFileSync('ip', ['rule', 'del', ...prohibitRule.slice(2)], { stdio: 'ignore' });
    await server?.stop();
    await lab?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('safe: a readable report, exit 0', async (t) => {
    if (!requireLab(t) || !lab || !server) return;
    const r = await checkIn(lab, server.baseUrl, '23,135');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^SAFE — none of the tested ports is reachable$/m);
    assert.match(
      r.stdout,
      new RegExp(`Address tested: ${lab.targetV4.replaceAll('.', '\\.')} \\(IPv4`),
    );
    assert.match(r.stdout, /TCP\/23 +Telnet.* refused .*refused \d+ ms/);
    assert.match(r.stdout, /TCP\/135 .* no answer .*timeout \d+ ms/);
    assert.match(
      r.stdout,
      /^Result code [2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3} — http:\/\/.*\/r\/\S+$/m,
    );
    for (const line of r.stdout.split('\n'))
      assert.ok(line.length <= 80, `over 80 columns: ${line}`);
  });

  it('exposed: --json is exactly the API JSON, exit 1; the text report gives advice', async (t) => {
    if (!requireLab(t) || !lab || !server) return;
    const r = await checkIn(lab, server.baseUrl, '23,135,445', ['--json']);
    assert.equal(r.code, 1, r.stderr);
    const printed = JSON.parse(r.stdout);
    const api = await (await fetch(`${server.baseUrl}/api/v1/scans/${printed.id}`)).json();
    assert.deepEqual(printed, api, 'stdout is the API answer, nothing added or dropped');
    assert.equal(printed.verdict, 'exposed');
    assert.equal(printed.address, lab.targetV4);
    const states = Object.fromEntries(
      printed.results.map((x: { port: number; state: string }) => [x.port, x.state]),
    );
    assert.deepEqual(states, { 23: 'closed', 135: 'filtered', 445: 'open' });

    const text = await checkIn(lab, server.baseUrl, '23,445');
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^EXPOSED — this environment may allow intrusion$/m);
    assert.match(text.stdout, /TCP\/445 +Windows file sharing.* REACHABLE/);
    assert.match(text.stdout, /^What to do$/m);
    assert.match(text.stdout, /^■ TCP\/445 Windows file sharing \(SMB\)$/m);
  });

  it('incomplete: a port the scanner could not test → exit 2, never safe', async (t) => {
    if (!requireLab(t) || !lab || !server) return;
    const r = await checkIn(lab, server.baseUrl, '23,5900', ['--json']);
    assert.equal(r.code, 2, r.stderr);
    const scan = JSON.parse(r.stdout);
    assert.equal(scan.verdict, 'incomplete');
    const vnc = scan.results.find((x: { port: number }) => x.port === 5900);
    assert.deepEqual([vnc.state, vnc.reason], ['error', 'local-EACCES']);
    const text = await checkIn(lab, server.baseUrl, '23,5900', [], { LANG: 'ja_JP.UTF-8' });
    assert.equal(text.code, 2);
    assert.match(text.stdout, /^診断未完了 — /m);
    assert.match(text.stdout, /TCP\/5900 .* 診断不可 /);
  });

  it('the server connected only to the CLI’s own address (the peer), and stored only that', async (t) => {
    if (!requireLab(t) || !lab || !server) return;
    const lines = readFileSync(connectLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ConnectLine);
    assert.ok(lines.filter((l) => l.layer === 'tcp').length >= 10, 'the log saw the probes');
    const hosts = new Set(lines.map((l) => l.host));
    assert.deepEqual([...hosts], [lab.targetV4]);
    const stored = server.db().prepare('SELECT DISTINCT address FROM scans').all() as {
      address: string;
    }[];
    assert.deepEqual(
      stored.map((s) => s.address),
      [lab.targetV4],
    );
  });

  it('IPv6: the same from the lab client’s IPv6 address, and the server connects only to it', async (t) => {
    if (!requireLab(t) || !lab) return;
    const log6 = join(dirs[0]!, 'connects6.jsonl');
    const server6 = await startServerProcess({
      host: lab.scannerV6,
      env: {
        ...SERVER_ENV,
        NODE_OPTIONS: `--import ${join(REPO_ROOT, 'test', 'helpers', 'connect-log.mjs')}`,
        SELFSCAN_TEST_CONNECT_LOG: log6,
      },
    });
    try {
      const r = await checkIn(lab, server6.baseUrl, '23,135,445', ['--json']);
      assert.equal(r.code, 1, r.stderr);
      const scan = JSON.parse(r.stdout);
      assert.deepEqual([scan.family, scan.address, scan.verdict], [6, lab.targetV6, 'exposed']);
      const states = Object.fromEntries(
        scan.results.map((x: { port: number; state: string }) => [x.port, x.state]),
      );
      assert.deepEqual(states, { 23: 'closed', 135: 'filtered', 445: 'open' });
      const hosts = new Set(
        readFileSync(log6, 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as ConnectLine).host),
      );
      assert.deepEqual([...hosts], [lab.targetV6]);
    } finally {
      await server6.stop();
    }
  });

  it('refused by the server (rate limit): exit 3 with its reason', async (t) => {
    if (!requireLab(t) || !lab) return;
    const limited = await startServerProcess({
      host: lab.scannerV4,
      env: { ...SERVER_ENV, SELFSCAN_RATE_LIMIT_PER_ADDRESS: '1' },
    });
    try {
      assert.equal((await checkIn(lab, limited.baseUrl, '23')).code, 0);
      const r = await checkIn(lab, limited.baseUrl, '23');
      assert.equal(r.code, 3);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^selfscan: the server answered 429 rate_limited: /m);
      const j = await checkIn(lab, limited.baseUrl, '23', ['--json']);
      assert.equal(j.code, 3);
      assert.equal(JSON.parse(j.stdout).error.code, 'rate_limited');
    } finally {
      await limited.stop();
    }
  });

  it('watch: a rule change between runs → exactly one change reported', async (t) => {
    if (!requireLab(t)) return;
    const wlab = await createLab();
    const wserver = await startServerProcess({ host: wlab.scannerV4, env: SERVER_ENV });
    try {
      const child = wlab.spawnInTarget([
        'env',
        'NO_COLOR=1',
        'LANG=C.UTF-8',
        process.execPath,
        CLI,
        'watch',
        '--server',
        wserver.baseUrl,
        '--ports',
        '23,3389',
        '--every',
        '2s',
        '--jitter',
        '0s',
        '--count',
        '3',
        '--accept-terms',
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => {
        stdout += d;
      });
      let opened: Promise<void> | undefined;
      child.stderr?.on('data', (d) => {
        stderr += d;
        // After the first result, open 3389: the second run sees it, the third sees no change.
        if (!opened && /first result: safe/.test(stderr)) opened = wlab.listen([3389]);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      await opened;
      assert.equal(code, 1, `exit code of the last diagnosis (exposed)\n${stderr}`);
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 1, `exactly one change: ${stdout}`);
      assert.match(lines[0]!, /^3389 became reachable at \d\d:\d\d$/);
    } finally {
      await wserver.stop();
      await wlab.close();
    }
  });

  it('Ctrl-C mid-scan: a message with the link, exit 130', async (t) => {
    if (!requireLab(t) || !lab || !server) return;
    // 135 is dropped: 400 dropped ports keep the scan running for seconds.
    const many = Array.from({ length: 400 }, (_, i) => 30001 + i);
    await lab.drop(many);
    const child = lab.spawnInTarget([
      'env',
      'NO_COLOR=1',
      process.execPath,
      CLI,
      'check',
      '--server',
      server.baseUrl,
      '--ports',
      many.join(','),
      '--accept-terms',
    ]);
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdout?.resume();
    // Interrupt once the server holds the scan the CLI started (not on a timer: start-up varies).
    const running = () =>
      (
        server!
          .db()
          .prepare("SELECT count(*) AS n FROM scans WHERE status IN ('queued', 'running')")
          .get() as { n: number }
      ).n;
    for (let i = 0; i < 300 && running() === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(running(), 1, 'the scan is running');
    // The 202 with the link is on its way to the CLI; the scan itself lasts many seconds more.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // `ip netns exec` replaces itself with the command: the pid is the CLI's node process.
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, stderr);
    assert.match(
      stderr,
      /^selfscan: Interrupted\. The server may still finish this diagnosis: http:\/\/\S+\/r\/\S+$/m,
    );
  });
});
