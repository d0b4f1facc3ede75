// DNS rebinding and "every error in its own words" (issue 14), over real sockets on 127.0.0.1:
//   - a foreign Host (with a matching Origin and Sec-Fetch-Site: same-origin, as a rebound page
//     sends) is refused on every registered route — 421 in the envelope for the API, a page for
//     browsers — in local and in public mode; nothing is written;
//   - the names the service is known by work (localhost, loopback literals, the listen address,
//     interface addresses on a wildcard, SELFSCAN_ALLOWED_HOSTS, SELFSCAN_PUBLIC_ORIGIN);
//   - the result page's link is built from the configured origin;
//   - every registered route answers an over-long parameter, a bad body and a bad method in the
//     envelope (pages: an HTML page), never in Fastify's own shape.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { registeredRoutes } from '../../src/http/build-app.js';
import {
  assertError,
  type Response,
  SNAKE,
  startTestService,
  type TestService,
  unusedPort,
} from '../helpers/service.js';

const EVIL = 'evil.example:8080';
const rebound = {
  host: EVIL,
  origin: `http://${EVIL}`,
  'sec-fetch-site': 'same-origin',
};
const JSON_PREFIXES = ['/api/', '/openapi', '/healthz', '/readyz', '/assets/'];
const isJson = (url: string) => JSON_PREFIXES.some((p) => url.startsWith(p));

function routesOf(s: TestService) {
  return registeredRoutes(s.service.app).filter((r) => r.url !== '*');
}

const fill = (url: string, param: string) => url.replace(/:[a-zA-Z]+/g, param);

/** An error in our words: the envelope for JSON routes, an HTML page for pages. */
function assertOwnError(res: Response, url: string, method: string, status?: number): void {
  const what = `${method} ${url} → ${res.status}: ${res.text.slice(0, 200)}`;
  if (status !== undefined) assert.equal(res.status, status, what);
  assert.ok(res.status >= 400, what);
  if (method === 'HEAD') return;
  assert.doesNotMatch(res.text, /"statusCode"|FST_/, `Fastify's own shape: ${what}`);
  if (isJson(url) || res.headers['content-type']?.startsWith('application/json')) {
    assert.match(String(res.headers['content-type']), /^application\/json/, what);
    assert.deepEqual(Object.keys(res.json), ['error'], what);
    assert.match(res.json.error.code, SNAKE, what);
    assert.ok(res.json.error.message.length > 0, what);
  } else {
    assert.match(String(res.headers['content-type']), /^text\/html/, what);
    assert.match(res.text, /^<!doctype html>/, what);
  }
}

async function assertRefusedEverywhere(s: TestService, from: string) {
  const routes = routesOf(s);
  assert.ok(routes.length >= 15, `only ${routes.length} routes found`);
  for (const { method, url } of routes) {
    const res = await s.request({
      from,
      method,
      path: fill(url, 'AAAAAAAAAAAAAAAAAAAAAAAA'),
      headers: rebound,
      ...(method === 'POST'
        ? { body: url.startsWith('/api/') ? { accept: true } : 'accept=yes' }
        : {}),
      ...(method === 'POST' && !url.startsWith('/api/')
        ? { headers: { ...rebound, 'content-type': 'application/x-www-form-urlencoded' } }
        : {}),
    });
    assertOwnError(res, url, method, 421);
    if (method !== 'HEAD' && isJson(url)) assert.equal(res.json.error.code, 'host_not_allowed');
  }
  // The router's own refusals (a malformed or over-long URL) check the Host too.
  for (const path of ['/api/v1/scans/%zz', `/api/v1/scans/${'a'.repeat(300)}`]) {
    const res = await s.request({ from, path, headers: rebound });
    assertError(res, 421, 'host_not_allowed');
  }
  assert.equal(s.countConsents(), 0, 'a rebound request wrote a consent');
  assert.equal(s.countScans(), 0, 'a rebound request wrote a scan');
}

describe('DNS rebinding: local mode', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService();
  });
  after(() => s.close());

  test('a foreign Host is refused on every route (421), nothing written', async () => {
    await assertRefusedEverywhere(s, '127.0.0.61');
  });

  test('localhost, loopback literals and the listen address are served, any port', async () => {
    for (const host of [
      `localhost:${s.port}`,
      'localhost',
      `127.0.0.1:${s.port}`,
      '127.0.0.9:1',
      `[::1]:${s.port}`,
      'LOCALHOST.',
    ]) {
      const res = await s.request({ from: '127.0.0.61', path: '/healthz', headers: { host } });
      assert.equal(res.status, 200, `Host: ${host}`);
    }
    for (const host of ['10.1.2.3', 'localhost.evil.example', '127.0.0.1.nip.io', '[::2]'])
      assertError(
        await s.request({ from: '127.0.0.61', path: '/healthz', headers: { host } }),
        421,
        'host_not_allowed',
      );
  });

  test('the result link uses the Host that passed the check', async () => {
    const res = await s.scan('127.0.0.62', { ports: [9] });
    assert.equal(res.status, 202, res.text);
    await s.waitForScan(res.json.id);
    const page = await s.request({ from: '127.0.0.62', path: `/r/${res.json.id}` });
    assert.ok(page.text.includes(`http://127.0.0.1:${s.port}/r/${res.json.id}`));
  });
});

describe('DNS rebinding: wildcard listen address and SELFSCAN_ALLOWED_HOSTS', () => {
  test('listening on a wildcard: every interface address is a valid Host', async (t) => {
    const s = await startTestService({ SELFSCAN_HOST: '0.0.0.0' });
    t.after(() => s.close());
    const addresses = Object.values(networkInterfaces())
      .flat()
      .map((a) => a!.address);
    for (const a of addresses) {
      const host = a.includes(':') ? `[${a.split('%')[0]}]:80` : `${a}:80`;
      // Only the Host header names the address: the connection goes to 127.0.0.1.
      const res = await s.request({ from: '127.0.0.63', path: '/healthz', headers: { host } });
      assert.equal(res.status, 200, `Host: ${host}`);
    }
    assertError(
      await s.request({ from: '127.0.0.63', path: '/healthz', headers: { host: EVIL } }),
      421,
      'host_not_allowed',
    );
  });

  test('SELFSCAN_ALLOWED_HOSTS adds names', async (t) => {
    const s = await startTestService({ SELFSCAN_ALLOWED_HOSTS: 'scanner.lan' });
    t.after(() => s.close());
    const ok = await s.request({
      from: '127.0.0.64',
      path: '/healthz',
      headers: { host: 'Scanner.LAN:8080' },
    });
    assert.equal(ok.status, 200);
    assertError(
      await s.request({ from: '127.0.0.64', path: '/healthz', headers: { host: EVIL } }),
      421,
      'host_not_allowed',
    );
  });
});

describe('DNS rebinding: public mode', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService({
      SELFSCAN_MODE: 'public',
      SELFSCAN_CANARY: `127.0.0.1:${await unusedPort()}`,
      SELFSCAN_IP_STORAGE: 'truncate',
      SELFSCAN_ALLOW_RANGES: '127.0.0.0/8',
      SELFSCAN_PUBLIC_ORIGIN: 'https://selfscan.example',
    });
  });
  after(() => s.close());

  test('a foreign Host is refused on every route (421), nothing written', async () => {
    await assertRefusedEverywhere(s, '127.0.0.65');
  });

  test('the configured origin is served, and the result link is built from it', async () => {
    const host = { host: 'selfscan.example' };
    const from = '127.0.0.66';
    const consent = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { ...host, origin: 'https://selfscan.example' },
      body: { accept: true },
    });
    // Origin https://… while the connection is plain HTTP without a proxy: refused as cross-site.
    assert.equal(consent.status, 403);
    const res = await s.scan(from, { ports: [9] });
    assert.equal(res.status, 202, res.text);
    await s.waitForScan(res.json.id);
    for (const h of [host, { host: `127.0.0.1:${s.port}` }]) {
      const page = await s.request({ from, path: `/r/${res.json.id}`, headers: h });
      assert.equal(page.status, 200);
      assert.ok(page.text.includes(`https://selfscan.example/r/${res.json.id}`), page.text);
      assert.ok(!page.text.includes(`http://127.0.0.1:${s.port}/r/`));
    }
  });
});

describe('every route answers its errors in its own words', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService();
  });
  after(() => s.close());

  test('an over-long parameter, a bad body and a bad method, on every registered route', async () => {
    const from = '127.0.0.67';
    const routes = routesOf(s);
    for (const { method, url } of routes) {
      if (url.includes(':')) {
        const res = await s.request({ from, method, path: fill(url, 'x'.repeat(414)) });
        assertOwnError(res, url, method, 414);
      }
      if (method === 'POST') {
        const res = await s.request({
          from,
          method,
          path: fill(url, 'AAAAAAAAAAAAAAAAAAAAAAAA'),
          headers: { 'content-type': 'application/json' },
          body: '{"accept": tru',
        });
        assertOwnError(res, url, method);
        assert.ok(res.status < 500, `${method} ${url}: ${res.status}`);
      }
      const bad = await s.request({ from, method: 'PATCH', path: fill(url, 'A') });
      assertOwnError(bad, url, 'PATCH');
    }
  });

  test('GET /api/v1/scans/<300 characters> → 414 in the envelope', async () => {
    assertError(
      await s.request({ from: '127.0.0.67', path: `/api/v1/scans/${'a'.repeat(300)}` }),
      414,
      'uri_too_long',
    );
  });
});
