// The smaller faults of issue 14, each at its root: the HTML form cannot start a scan of zero
// ports; an IPv6 link-local requester is told the truth (no proxy is involved); a read-only
// database at start is a sentence, not a stack trace. (The 414 envelope is in
// host-and-errors.test.ts, the deleted database file in fault-sqlite.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireRoot } from '../helpers/faults.js';
import { REPO_ROOT } from '../helpers/lab.js';
import { startTestService } from '../helpers/service.js';

const cookiesOf = (setCookie: string[] | string | undefined) =>
  ([] as string[])
    .concat(setCookie ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');

test('the HTML form with "custom" and no port ticked → 400 page, no scan, consent not spent', async (t) => {
  const s = await startTestService({ SELFSCAN_RATE_LIMIT_PER_ADDRESS: '1' });
  t.after(() => s.close());
  const from = '127.0.0.51';
  const landing = await s.request({ from, path: '/' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(landing.text)?.[1];
  assert.ok(csrf);
  let cookie = cookiesOf(landing.headers['set-cookie']);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const accepted = await s.request({
    from,
    method: 'POST',
    path: '/accept',
    headers: { ...form, cookie },
    body: `_csrf=${encodeURIComponent(csrf)}&accept=yes`,
  });
  assert.equal(accepted.status, 303, accepted.text);
  cookie = `${cookie}; ${cookiesOf(accepted.headers['set-cookie'])}`;
  const start = (body: string) =>
    s.request({
      from,
      method: 'POST',
      path: '/start',
      headers: { ...form, cookie },
      body: `_csrf=${encodeURIComponent(csrf)}&${body}`,
    });
  const empty = await start('preset=custom');
  assert.equal(empty.status, 400, empty.text.slice(0, 300));
  assert.match(String(empty.headers['content-type']), /^text\/html/);
  assert.equal(s.countScans(), 0);
  // The consent and the one allowed scan of this hour are still there for a real choice.
  const real = await start('preset=custom&ports=9');
  assert.equal(real.status, 303, real.text.slice(0, 300));
  assert.equal(s.countScans(), 1);
});

test('an IPv6 link-local requester (with its zone) is told why it cannot be tested, not blamed on a proxy', async (t) => {
  const s = await startTestService();
  t.after(() => s.close());
  // inject only: nothing is ever connected to this address.
  const me = await s.service.app.inject({ url: '/api/v1/me', remoteAddress: 'fe80::1%eth0' });
  assert.equal(me.statusCode, 200, me.body);
  assert.equal(me.json().allowed, false);
  assert.equal(me.json().class, 'link-local');
  assert.match(me.json().reason, /link-local/);
  assert.doesNotMatch(me.body, /proxy/);
  const consent = await s.service.app.inject({
    method: 'POST',
    url: '/api/v1/consent',
    remoteAddress: 'fe80::1%eth0',
    payload: { accept: true },
  });
  assert.equal(consent.statusCode, 403);
  assert.equal(consent.json().error.code, 'requester_not_allowed');
  assert.match(consent.json().error.message, /link-local/);
});

test('a read-only database at start: one clear sentence and exit 1, no stack trace', async (t) => {
  if (!requireRoot(t, 'a read-only mount')) return;
  const mnt = mkdtempSync(join(tmpdir(), 'selfscan-ro-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  t.after(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const s = await startTestService({ SELFSCAN_DATABASE_URL: `sqlite:${join(mnt, 'db.sqlite')}` });
  await s.close();
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      SELFSCAN_DATABASE_URL: `sqlite:${join(mnt, 'db.sqlite')}`,
      SELFSCAN_HOST: '127.0.0.1',
      SELFSCAN_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^selfscan: cannot open the SQLite database .*db\.sqlite: /);
  assert.doesNotMatch(stderr, /\n\s+at |SqliteError/, stderr);
});
