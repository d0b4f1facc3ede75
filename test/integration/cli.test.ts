// The real CLI binary (bin/selfscan.mjs) on loopback, no root needed: every usage error gives 64
// and a clear message (never 0 or 1), every failure to get a diagnosis gives 3, --version and
// --help give 0, the consent question on a terminal (a pty from util-linux `script`) says what
// will be probed and only a yes starts a scan; `local` reports this machine.
// Traffic: 127.0.0.0/8 only.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/lab.js';
import { freePort } from '../helpers/server-process.js';

const CLI = join(REPO_ROOT, 'bin', 'selfscan.mjs');
const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 60_000, env: { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(); // not a terminal: nobody can be asked
  });
}

describe('selfscan CLI on loopback', () => {
  let service: Service;
  let server: string;
  let dir: string;
  let listener: net.Server;
  let openPort: number;
  before(async () => {
    listener = net.createServer((s) => s.on('error', () => {}).destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    openPort = (listener.address() as net.AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'selfscan-cli-'));
    service = await startService(
      loadConfig({
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_LOG_LEVEL: 'warn',
        SELFSCAN_TERMS_VERSION: '2026-12-01',
      }),
    );
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    server = `http://127.0.0.1:${(service.app.server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await service.close();
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('usage errors: exit 64, a message on stderr, nothing on stdout', () => {
    const cases: [string, string[], RegExp][] = [
      ['a port out of range', ['check', '--ports', '99999'], /ports are whole numbers 1–65535/],
      ['a port that is not a number', ['check', '--ports', '22,ssh'], /ports are whole numbers/],
      ['a port listed twice', ['check', '--ports', '22,22'], /a port is listed twice/],
      [
        'an unknown preset',
        ['check', '--preset', 'bogus'],
        /Allowed choices are core, service, all/,
      ],
      ['an unknown option', ['check', '--bogus'], /unknown option '--bogus'/],
      ['an unknown command', ['chekc'], /unknown command 'chekc'/],
      ['no command at all', [], /Usage: selfscan/],
      [
        'a server that is not a URL',
        ['check', '--server', 'ftp://x'],
        /an http:\/\/ or https:\/\/ URL/,
      ],
      ['an unknown language', ['check', '--lang', 'fr'], /Allowed choices are ja, en/],
      ['a bad interval', ['watch', '--every', '6x'], /a duration such as 90s, 15m, 6h or 1d/],
      ['an interval under a second', ['watch', '--every', '10ms'], /at least 1 s/],
      ['a bad count', ['watch', '--count', '0'], /a whole number ≥ 1/],
      [
        'an organisation token that is not one',
        ['watch', '--org-token', 'x y', '--accept-terms'],
        /not an organisation token/,
      ],
      [
        'no consent and no terminal to ask in',
        ['check', '--ports', '22'],
        /needs your consent .* pass --accept-terms for unattended runs/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await cli(args);
        assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '');
      });
    }
    it('no consent: refused before anything is sent to the server', async () => {
      const before = await countScans();
      const r = await cli(['check', '--server', server, '--ports', String(openPort)]);
      assert.equal(r.code, 64);
      assert.equal(await countScans(), before);
    });
  });

  /** Scans and consents the server holds, read from its SQLite file. */
  async function countScans(): Promise<number> {
    const db = new SqliteDatabase(join(dir, 'db.sqlite'), { readonly: true });
    try {
      const row = db
        .prepare('SELECT (SELECT count(*) FROM scans) + (SELECT count(*) FROM consents) AS n')
        .get() as { n: number };
      return row.n;
    } finally {
      db.close();
    }
  }

  it('usage errors and help in Japanese under a Japanese locale', async () => {
    const bad = await cli(['check', '--ports', '99999'], { LANG: 'ja_JP.UTF-8' });
    assert.equal(bad.code, 64);
    assert.match(
      bad.stderr,
      /^selfscan: オプション --ports <list> の値「99999」は使えません。ポートは 1〜65535 の整数を/m,
    );
    const preset = await cli(['check', '--preset', 'bogus', '--lang', 'ja']);
    assert.equal(preset.code, 64);
    assert.match(preset.stderr, /使える値: core, service, all/);
    const help = await cli(['check', '--help'], { LC_ALL: 'ja_JP.UTF-8' });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^使い方: selfscan check/m);
    assert.match(help.stdout, /^終了コード:$/m);
    assert.match(help.stdout, /^ {2}64 {3}使い方の誤り/m);
    assert.doesNotMatch(help.stdout, /Options:|default:|display help/);
  });

  it('help <command> is help asked for: exit 0', async () => {
    const r = await cli(['help', 'check']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: selfscan check/m);
  });

  it('--version prints the package version, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.trim(), VERSION);
    }
  });

  it('--help lists the exit codes, exit 0', async () => {
    for (const args of [['--help'], ['check', '--help'], ['watch', '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      for (const line of [
        /^ {2}0 {4}safe/m,
        /^ {2}1 {4}exposed/m,
        /^ {2}2 {4}incomplete/m,
        /^ {2}3 {4}could not diagnose/m,
        /^ {2}64 {3}usage error/m,
        /^ {2}130 {2}interrupted/m,
      ])
        assert.match(r.stdout, line, args.join(' '));
    }
  });

  describe('no diagnosis: exit 3 and the reason', () => {
    it('nothing listens at the server address', async () => {
      const nobody = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
      const r = await cli(['check', '--server', nobody, '--accept-terms']);
      assert.equal(r.code, 3);
      assert.equal(r.stderr, `selfscan: cannot reach the server ${nobody} (ECONNREFUSED)\n`);
      const j = await cli(['check', '--server', nobody, '--accept-terms', '--json']);
      assert.equal(j.code, 3);
      assert.equal(JSON.parse(j.stdout).error.code, 'unreachable');
    });

    it('the address answers, but not as a selfscan server (a proxy error page)', async () => {
      const proxy = http.createServer((_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      try {
        const r = await cli(['check', '--server', url, '--accept-terms'], { LANG: 'ja_JP.UTF-8' });
        assert.equal(r.code, 3);
        assert.match(r.stderr, /は selfscan サーバーの応答をしませんでした（JSON ではありません）/);
      } finally {
        proxy.close();
      }
    });

    it('a public-mode server will not test a loopback address: said before any consent', async () => {
      const pdir = mkdtempSync(join(tmpdir(), 'selfscan-cli-public-'));
      const pub = await startService(
        loadConfig({
          SELFSCAN_MODE: 'public',
          SELFSCAN_DATABASE_URL: `sqlite:${join(pdir, 'db.sqlite')}`,
          SELFSCAN_IP_STORAGE: 'truncate',
          SELFSCAN_CANARY: `127.0.0.1:${await freePort('127.0.0.1')}`,
          // Loopback refuses every port, so every port reads blocked; the requester is refused
          // before any port matters (the self-test itself: test/integration/egress.test.ts).
          SELFSCAN_EGRESS_REFERENCE: '127.0.0.1',
          SELFSCAN_TICKET_KEY: 't'.repeat(32),
          SELFSCAN_LOG_LEVEL: 'warn',
        }),
      );
      try {
        await pub.app.listen({ host: '127.0.0.1', port: 0 });
        const url = `http://127.0.0.1:${(pub.app.server.address() as net.AddressInfo).port}`;
        const r = await cli(['check', '--server', url, '--accept-terms']);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /^selfscan: the server will not test this address: \S.*$/m);
        const j = await cli(['check', '--server', url, '--accept-terms', '--json']);
        assert.equal(JSON.parse(j.stdout).error.code, 'requester_not_allowed');
      } finally {
        await pub.close();
        rmSync(pdir, { recursive: true, force: true });
      }
    });

    it('a server error in the API envelope (503 busy) is named with its code', async () => {
      const busy = http.createServer((_req, res) => {
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
          .end(JSON.stringify({ error: { code: 'busy', message: 'The service is busy.' } }));
      });
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(busy.address() as net.AddressInfo).port}`;
      try {
        const r = await cli(['check', '--server', url, '--accept-terms']);
        assert.equal(r.code, 3);
        assert.match(r.stderr, /^selfscan: the server answered 503 busy: The service is busy\.$/m);
      } finally {
        busy.close();
      }
    });
  });

  it('check --json: exposed when a chosen port is open, exit 1', async () => {
    const r = await cli([
      'check',
      '--server',
      server,
      '--ports',
      `${openPort},1`,
      '--json',
      '--accept-terms',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.verdict, 'exposed');
    assert.equal(result.address, '127.0.0.1');
    assert.equal('link' in result, false, 'exactly the API JSON');
  });

  describe('consent on a terminal (a pty)', () => {
    /** Runs the CLI under `script` (a pty for its stdin/stdout/stderr); answers the question. */
    function inPty(args: string[], answer: string): Promise<{ code: number | null; out: string }> {
      const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8', TERM: 'dumb' },
      });
      let out = '';
      let answered = false;
      child.stdout.on('data', (d) => {
        out += d;
        if (!answered && out.includes('[y/N]')) {
          answered = true;
          child.stdin.write(`${answer}\r`);
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      return new Promise((resolve) =>
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out: out.replaceAll('\r', '') });
        }),
      );
    }
    it('shows the terms version, the address and the ports; "n" starts nothing (exit 3)', async () => {
      const before = await countScans();
      const r = await inPty(['check', '--server', server, '--ports', `${openPort}`], 'n');
      assert.equal(r.code, 3, r.out);
      assert.match(r.out, /Address to be tested: 127\.0\.0\.1 \(IPv4, loopback/);
      assert.match(r.out, new RegExp(`Ports: ${openPort} \\(1 TCP port\\)`));
      assert.match(r.out, /Terms: version 2026-12-01 — read them at http:\/\/127\.0\.0\.1:\d+\//);
      assert.match(r.out, /Accept the terms and start the diagnosis\? \[y\/N\]/);
      assert.match(r.out, /Not started: the terms were not accepted\./);
      assert.doesNotMatch(r.out, /Result code/);
      assert.equal(
        await countScans(),
        before + 1,
        'a consent was issued (to learn the terms version), no scan',
      );
    });
    it('Ctrl-C at the question: interrupted, exit 130, nothing started', async () => {
      const r = await inPty(['check', '--server', server, '--ports', `${openPort}`], '\u0003');
      assert.equal(r.code, 130, r.out);
      assert.match(r.out, /^selfscan: Interrupted\.$/m);
    });
    it('"y" runs the diagnosis', async () => {
      const r = await inPty(['check', '--server', server, '--ports', `${openPort}`], 'y');
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /Tested 1 port in \d+\.\d s/);
      assert.match(r.out, /^EXPOSED/m);
    });
  });

  it('local --json lists this machine’s addresses and listening sockets, exit 0', async () => {
    const r = await cli(['local', '--json']);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.holdsGlobalAddress, 'boolean');
    assert.ok(Array.isArray(out.addresses));
    for (const a of out.addresses) assert.ok(typeof a.class === 'string' && a.class.length > 0);
    assert.equal(out.listening.source, '/proc/net');
    assert.ok(
      out.listening.sockets.some(
        (s: { port: number; address: string }) => s.port === openPort && s.address === '127.0.0.1',
      ),
      'the test’s own listener is among them',
    );
  });

  it('watch survives a server that is down: it reports it and tries again', async () => {
    const r = await cli([
      'watch',
      '--server',
      `http://127.0.0.1:${await freePort('127.0.0.1')}`,
      '--every',
      '1s',
      '--jitter',
      '0s',
      '--count',
      '2',
      '--accept-terms',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '', 'a server outage is not a change in the ports');
    assert.equal(
      r.stderr.match(/server unavailable \(cannot reach the server/g)?.length,
      2,
      r.stderr,
    );
  });
});
