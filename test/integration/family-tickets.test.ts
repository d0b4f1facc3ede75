// GET /api/v1/whoami and family tickets (issue 15) over real loopback sockets: what whoami
// answers, CORS only for the main origin and only on whoami, the family origins' hosts allowed,
// the consent's nonce, and one active diagnosis for every address a diagnosis covers. (Forged,
// edited, foreign, expired and reused tickets: test/integration/self-only.test.ts, with the spy
// proving nothing is probed. Both families in a lab: test/integration/dual-stack.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPorts, startTestService, type TestService } from '../helpers/service.js';

const MAIN = 'https://selfscan.example';

describe('whoami and family tickets', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService({
      SELFSCAN_PUBLIC_ORIGIN: MAIN,
      SELFSCAN_V4_ORIGIN: 'https://v4.selfscan.example',
      SELFSCAN_V6_ORIGIN: 'https://v6.selfscan.example',
    });
  });
  after(() => s.close());

  const nonceOf = async (from: string) => {
    const c = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });
    assert.equal(c.status, 200, c.text);
    return c.json as { token: string; nonce: string };
  };

  it('answers the socket peer, a ticket for it, no-store; CORS only for the main origin', async () => {
    const { nonce } = await nonceOf('127.0.0.41');
    const res = await s.request({
      from: '127.0.0.41',
      path: `/api/v1/whoami?nonce=${nonce}`,
      headers: { origin: MAIN },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.address, '127.0.0.41');
    assert.equal(res.json.family, 4);
    assert.equal(res.json.class, 'loopback');
    assert.equal(res.json.allowed, true);
    assert.match(res.json.ticket, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const left = Date.parse(res.json.expiresAt) - Date.now();
    assert.ok(left > 100_000 && left <= 120_000, `valid for ${left} ms`);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['access-control-allow-origin'], MAIN);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.match(String(res.headers.vary), /origin/i);

    for (const origin of ['https://evil.example', 'https://v4.selfscan.example', 'null']) {
      const other = await s.request({
        from: '127.0.0.41',
        path: `/api/v1/whoami?nonce=${nonce}`,
        headers: { origin },
      });
      assert.equal(other.status, 200);
      assert.equal(other.headers['access-control-allow-origin'], undefined, origin);
    }
  });

  it('no CORS header on any other route, even for the main origin', async () => {
    for (const path of ['/api/v1/me', '/api/v1/catalog', '/healthz', '/', '/openapi.json']) {
      const res = await s.request({ from: '127.0.0.42', path, headers: { origin: MAIN } });
      assert.equal(res.headers['access-control-allow-origin'], undefined, path);
    }
    const consent = await s.request({
      from: '127.0.0.42',
      method: 'POST',
      path: '/api/v1/consent',
      headers: { origin: MAIN },
      body: { accept: true },
    });
    assert.equal(consent.headers['access-control-allow-origin'], undefined);
    // A preflight is never answered with CORS either (whoami needs none: a simple GET).
    const pre = await s.request({
      from: '127.0.0.42',
      method: 'OPTIONS',
      path: '/api/v1/whoami',
      headers: { origin: MAIN, 'access-control-request-method': 'GET' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  });

  it('without a nonce: the address but no ticket; a malformed nonce is a 400', async () => {
    const bare = await s.request({ from: '127.0.0.43', path: '/api/v1/whoami' });
    assert.equal(bare.status, 200);
    assert.equal(bare.json.ticket, null);
    assert.equal(bare.json.expiresAt, null);
    for (const q of ['nonce=short', 'nonce=has%20space%20in%20it%20xx', 'target=127.0.0.99']) {
      const bad = await s.request({ from: '127.0.0.43', path: `/api/v1/whoami?${q}` });
      assert.equal(bad.status, 400, q);
      assert.equal(bad.json.error.code, 'invalid_request');
    }
  });

  it('the family origins are allowed hosts; others are not', async () => {
    for (const host of ['v4.selfscan.example', 'v6.selfscan.example', 'selfscan.example']) {
      const res = await s.request({
        from: '127.0.0.44',
        path: '/api/v1/whoami',
        headers: { host },
      });
      assert.equal(res.status, 200, host);
    }
    const evil = await s.request({
      from: '127.0.0.44',
      path: '/api/v1/whoami',
      headers: { host: 'v5.selfscan.example' },
    });
    assert.equal(evil.status, 421);
  });

  it('one active diagnosis for every address: a ticket address already being tested → 409', async () => {
    const busy = '127.0.0.45';
    const requester = '127.0.0.46';
    const consent = await nonceOf(requester);
    const w = await s.request({ from: busy, path: `/api/v1/whoami?nonce=${consent.nonce}` });
    const ports = await closedPorts(requester, 1, 23_300);
    const busyConsent = await nonceOf(busy);
    // busy runs its own longer diagnosis (3000 ports on loopback: a second or more), and the
    // requester asks for one covering busy's address right after.
    const long = await s.scan(
      busy,
      { ports: Array.from({ length: 3000 }, (_, i) => 40_001 + i) },
      busyConsent.token,
    );
    assert.equal(long.status, 202, long.text);
    const res = await s.request({
      from: requester,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'selfscan-consent': consent.token },
      body: { ports, tickets: [w.json.ticket] },
    });
    const first = await s.waitForScan(long.json.id, 120_000);
    assert.equal(first.status, 'done');
    if (res.status === 202) {
      // Only if the long scan ended before the request arrived (a very fast machine).
      await s.waitForScan(res.json.id);
      assert.fail('the long diagnosis had already ended; cannot check the 409');
    }
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json.error.code, 'scan_in_progress');
  });

  it('a family origin configured without a ticket for it: that family is not_tested, never safe', async () => {
    const from = '127.0.0.47';
    const ports = await closedPorts(from, 2, 23_400);
    const res = await s.scan(from, { ports });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.deepEqual(
      scan.targets?.map((t) => [t.family, t.status, t.verdict]),
      [
        [4, 'done', 'safe'],
        [6, 'not_tested', null],
      ],
    );
    assert.equal(scan.verdict, 'incomplete');
    const events = await s.events(from, res.json.id);
    assert.deepEqual(JSON.parse(events.events.at(-1)!.data), {
      status: 'done',
      verdict: 'incomplete',
    });
    for (const e of events.events.filter((x) => x.event === 'result'))
      assert.equal(JSON.parse(e.data).family, 4);
  });
});
