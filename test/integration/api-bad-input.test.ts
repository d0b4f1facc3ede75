// Bad input against the real service over real sockets (TESTING.md "bad input"): every case gets
// the documented 4xx envelope { error: { code, message } } with a lower_snake_case code, and
// writes nothing — no scan row, and a consent token sent along stays unspent and still starts a
// scan afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/http/consent.js';
import {
  assertError,
  closedPorts,
  type Response,
  SNAKE,
  startTestService,
  type TestService,
  unusedPort,
} from '../helpers/service.js';

/** A fresh client address for each case (one active scan per requester; tokens per address). */
let nextHost = 1;
const freshAddress = () => {
  const n = nextHost++;
  assert.ok(n < 250 * 200);
  return `127.0.${2 + Math.floor(n / 250)}.${1 + (n % 250)}`;
};

function consentUsedAt(s: TestService, token: string): number | null | undefined {
  const row = s
    .db()
    .prepare('select used_at from consents where token_hash = ?')
    .get(hashToken(token)) as { used_at: number | null } | undefined;
  return row?.used_at;
}

interface Case {
  name: string;
  status: number;
  code: string;
  /** Raw body (string, sent as is) or a value sent as JSON. */
  body: unknown;
  headers?: Record<string, string>;
}

/** Sends `c` with a valid consent token, asserts the envelope and that nothing was written, then
 *  proves the token unspent by starting a scan with it. */
async function rejectsAndWritesNothing(s: TestService, c: Case): Promise<Response> {
  const from = freshAddress();
  const token = await s.consent(from);
  const scans = s.countScans();
  const res = await s.request({
    from,
    method: 'POST',
    path: '/api/v1/scans',
    headers: { 'selfscan-consent': token, ...c.headers },
    body: c.body,
  });
  assertError(res, c.status, c.code);
  assert.equal(s.countScans(), scans, `${c.name}: a scan row was written`);
  assert.equal(consentUsedAt(s, token), null, `${c.name}: the consent was spent`);
  const ports = await closedPorts(from, 1, 22_000);
  const retry = await s.scan(from, { ports }, token);
  assert.equal(retry.status, 202, `${c.name}: the token no longer works: ${retry.text}`);
  await s.waitForScan(retry.json.id);
  return res;
}

const JSON_TYPE = { 'content-type': 'application/json' };

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('local mode', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService();
  });
  after(() => s.close());

  const cases: Case[] = [
    {
      name: 'malformed JSON',
      status: 400,
      code: 'invalid_request',
      body: '{"ports": [22,',
      headers: JSON_TYPE,
    },
    {
      name: 'JSON that is not an object',
      status: 400,
      code: 'invalid_request',
      body: '[22]',
      headers: JSON_TYPE,
    },
    {
      name: 'a bare JSON string',
      status: 400,
      code: 'invalid_request',
      body: '"core"',
      headers: JSON_TYPE,
    },
    {
      name: 'an empty JSON body',
      status: 400,
      code: 'invalid_request',
      body: '',
      headers: JSON_TYPE,
    },
    { name: 'an empty body without a type', status: 400, code: 'invalid_request', body: '' },
    {
      name: '__proto__ key',
      status: 400,
      code: 'invalid_request',
      body: '{"__proto__":{"x":1},"preset":"core"}',
      headers: JSON_TYPE,
    },
    {
      name: 'nested __proto__ key',
      status: 400,
      code: 'invalid_request',
      body: '{"preset":"core","label":{"__proto__":{"x":1}}}',
      headers: JSON_TYPE,
    },
    {
      name: 'constructor.prototype key',
      status: 400,
      code: 'invalid_request',
      body: '{"constructor":{"prototype":{"x":1}},"preset":"core"}',
      headers: JSON_TYPE,
    },
    {
      name: 'JSON with a charset parameter but broken',
      status: 400,
      code: 'invalid_request',
      body: '{"preset":"core"',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
    {
      name: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
      body: '{"preset":"core"}',
      headers: { 'content-type': 'text/plain' },
    },
    {
      name: 'form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
      body: 'preset=core',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    {
      name: 'no content type',
      status: 415,
      code: 'unsupported_media_type',
      body: '{"preset":"core"}',
    },
    ...[0, 65536, -1, 1.5, '22', null, true, [22]].map(
      (p): Case => ({
        name: `port ${JSON.stringify(p)}`,
        status: 400,
        code: 'invalid_request',
        body: { ports: [p] },
      }),
    ),
    { name: 'ports [22, 22]', status: 400, code: 'invalid_request', body: { ports: [22, 22] } },
    { name: 'ports []', status: 400, code: 'invalid_request', body: { ports: [] } },
    { name: 'ports "22"', status: 400, code: 'invalid_request', body: { ports: '22' } },
    { name: 'ports null', status: 400, code: 'invalid_request', body: { ports: null } },
    {
      name: 'ports as an object',
      status: 400,
      code: 'invalid_request',
      body: { ports: { 0: 22 } },
    },
    {
      name: 'both ports and preset',
      status: 400,
      code: 'invalid_request',
      body: { ports: [22], preset: 'core' },
    },
    { name: 'neither ports nor preset', status: 400, code: 'invalid_request', body: {} },
    {
      name: 'unknown preset',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'everything' },
    },
    { name: 'preset "Core"', status: 400, code: 'invalid_request', body: { preset: 'Core' } },
    { name: 'preset null', status: 400, code: 'invalid_request', body: { preset: null } },
    {
      name: 'an unknown field',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'core', verbose: true },
    },
    {
      name: 'option org',
      status: 400,
      code: 'not_supported',
      body: { preset: 'core', org: 'acme' },
    },
    ...(['udp', 'identify'] as const).map(
      (option): Case => ({
        name: `option ${option} as a string`,
        status: 400,
        code: 'invalid_request',
        body: { preset: 'core', [option]: 'true' },
      }),
    ),
    {
      name: 'udpPorts with a duplicate',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'core', udpPorts: [53, 53] },
    },
    ...['a\r\nb', 'a\nSet-Cookie: x=1', 'tab\there', 'nul\u0000', 'del\u007f'].map(
      (label): Case => ({
        name: `label ${JSON.stringify(label)}`,
        status: 400,
        code: 'invalid_request',
        body: { preset: 'core', label },
      }),
    ),
    {
      name: 'a label of 101 characters',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'core', label: 'x'.repeat(101) },
    },
    {
      name: 'a label that is a number',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'core', label: 7 },
    },
  ];
  for (const c of cases) {
    test(`${c.name} → ${c.status} ${c.code}, nothing written`, async () => {
      await rejectsAndWritesNothing(s, c);
    });
  }

  test('prototype keys in a body pollute nothing', async () => {
    const probe = {} as Record<string, unknown>;
    assert.equal(probe.x, undefined);
    assert.equal(Object.hasOwn(Object.prototype, 'x'), false);
  });

  test('1056 ports (and 2000) are accepted in local mode', async () => {
    for (const count of [1056, 2000]) {
      const from = freshAddress();
      const ports = range(40_000 - count, count);
      const res = await s.scan(from, { ports });
      assert.equal(res.status, 202, res.text);
      const scan = await s.waitForScan(res.json.id);
      assert.equal(scan.total, count);
      assert.equal(scan.results.length, count);
    }
  });

  test('a list of all 65535 ports is accepted in local mode', async () => {
    const from = freshAddress();
    const res = await s.scan(from, { ports: range(1, 65_535).reverse() });
    assert.equal(res.status, 202, res.text);
    try {
      const scan = await s.request({ from, path: `/api/v1/scans/${res.json.id}` });
      assert.equal(scan.json.total, 65_535);
    } finally {
      const del = await s.request({ from, method: 'DELETE', path: `/api/v1/scans/${res.json.id}` });
      assert.equal(del.status, 204);
    }
  });

  test('a body over the limit of the scan route (512 KiB in local mode) → 413 body_too_large', async () => {
    await rejectsAndWritesNothing(s, {
      name: 'a huge body',
      status: 413,
      code: 'body_too_large',
      body: { preset: 'core', label: 'a'.repeat(600 * 1024) },
    });
  });

  test('a consent body over 16 KiB → 413 body_too_large, no token issued', async () => {
    const consents = s.countConsents();
    const res = await s.request({
      from: freshAddress(),
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true, pad: 'a'.repeat(20_000) },
    });
    assertError(res, 413, 'body_too_large');
    assert.equal(s.countConsents(), consents);
  });

  test('a unicode label is accepted and returned exactly; 100 characters is the limit', async () => {
    for (const label of [
      '日本語のラベル 🔒👍🏽 テスト',
      'é'.normalize('NFD'),
      'x'.repeat(100),
      '🔒'.repeat(100),
    ]) {
      const from = freshAddress();
      const res = await s.scan(from, { ports: await closedPorts(from, 1, 22_000), label });
      assert.equal(res.status, 202, `${JSON.stringify(label.slice(0, 20))}: ${res.text}`);
      const scan = await s.waitForScan(res.json.id);
      assert.equal(scan.label, label);
    }
  });

  test('missing consent header → 403 consent_required; the token still works', async () => {
    const from = freshAddress();
    const token = await s.consent(from);
    const scans = s.countScans();
    const res = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      body: { preset: 'core' },
    });
    assertError(res, 403, 'consent_required');
    const empty = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'selfscan-consent': '' },
      body: { preset: 'core' },
    });
    assertError(empty, 403, 'consent_required');
    assert.equal(s.countScans(), scans);
    const ok = await s.scan(from, { ports: await closedPorts(from, 1, 22_000) }, token);
    assert.equal(ok.status, 202, ok.text);
    await s.waitForScan(ok.json.id);
  });

  test('unknown token → 403 consent_invalid', async () => {
    const from = freshAddress();
    const scans = s.countScans();
    for (const token of ['nope', 'A'.repeat(32), 'x'.repeat(5000)]) {
      const res = await s.scan(from, { preset: 'core' }, token);
      assertError(res, 403, 'consent_invalid');
    }
    assert.equal(s.countScans(), scans);
  });

  test('a used token → 403 consent_invalid, nothing written', async () => {
    const from = freshAddress();
    const ports = await closedPorts(from, 1, 22_000);
    const token = await s.consent(from);
    const first = await s.scan(from, { ports }, token);
    assert.equal(first.status, 202, first.text);
    await s.waitForScan(first.json.id);
    const usedAt = consentUsedAt(s, token);
    assert.equal(typeof usedAt, 'number');
    const scans = s.countScans();
    const replay = await s.scan(from, { ports }, token);
    assertError(replay, 403, 'consent_invalid');
    assert.match(replay.json.error.message, /already used/);
    assert.equal(s.countScans(), scans);
    assert.equal(consentUsedAt(s, token), usedAt);
  });

  test('an expired token → 403 consent_invalid, nothing written', async () => {
    const from = freshAddress();
    const token = await s.consent(from);
    // Ten minutes cannot be waited for: age the token in the database.
    const aged = s
      .db()
      .prepare('update consents set expires_at = ?, created_at = ? where token_hash = ?')
      .run(Date.now() - 1, Date.now() - 11 * 60_000, hashToken(token));
    assert.equal(aged.changes, 1);
    const scans = s.countScans();
    const res = await s.scan(from, { ports: await closedPorts(from, 1, 22_000) }, token);
    assertError(res, 403, 'consent_invalid');
    assert.match(res.json.error.message, /expired/);
    assert.equal(s.countScans(), scans);
    assert.equal(consentUsedAt(s, token), null);
  });

  test("another requester's token → 403 consent_invalid; its owner can still use it", async () => {
    const owner = '127.0.0.2';
    const thief = '127.0.0.3';
    const token = await s.consent(owner);
    const scans = s.countScans();
    const res = await s.scan(thief, { ports: await closedPorts(thief, 1, 22_100) }, token);
    assertError(res, 403, 'consent_invalid');
    assert.match(res.json.error.message, /another connection/);
    assert.equal(s.countScans(), scans);
    assert.equal(consentUsedAt(s, token), null);
    const ok = await s.scan(owner, { ports: await closedPorts(owner, 1, 22_100) }, token);
    assert.equal(ok.status, 202, ok.text);
    const scan = await s.waitForScan(ok.json.id);
    assert.equal(scan.address, owner);
  });

  test('a token bound to a CSRF cookie needs that cookie', async () => {
    const from = freshAddress();
    const res = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { cookie: 'selfscan_csrf=browser-secret-1' },
      body: { accept: true },
    });
    assert.equal(res.status, 200, res.text);
    const token = res.json.token as string;
    const ports = await closedPorts(from, 1, 22_000);
    const scans = s.countScans();
    for (const cookie of [undefined, 'selfscan_csrf=other-secret']) {
      const bad = await s.request({
        from,
        method: 'POST',
        path: '/api/v1/scans',
        headers: { 'selfscan-consent': token, ...(cookie ? { cookie } : {}) },
        body: { ports },
      });
      assertError(bad, 403, 'consent_invalid');
    }
    assert.equal(s.countScans(), scans);
    const ok = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'selfscan-consent': token, cookie: 'selfscan_csrf=browser-secret-1' },
      body: { ports },
    });
    assert.equal(ok.status, 202, ok.text);
    await s.waitForScan(ok.json.id);
  });

  test('consent with a bad body → 400 invalid_request, no token issued', async () => {
    const from = freshAddress();
    const consents = s.countConsents();
    for (const body of [
      { accept: false },
      { accept: 'true' },
      { accept: 1 },
      {},
      { accept: true, extra: 1 },
      '{"accept":',
      '{"__proto__":{"x":1},"accept":true}',
    ]) {
      const res = await s.request({
        from,
        method: 'POST',
        path: '/api/v1/consent',
        headers: JSON_TYPE,
        body,
      });
      assertError(res, 400, 'invalid_request');
    }
    const plain = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { 'content-type': 'text/plain' },
      body: '{"accept":true}',
    });
    assertError(plain, 415, 'unsupported_media_type');
    assert.equal(s.countConsents(), consents);
  });

  const crossSite: [string, Record<string, string>][] = [
    ['Origin: https://evil.example', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ];
  for (const [name, headers] of crossSite) {
    test(`cross-site ${name} → 403 origin_forbidden on consent, scans and DELETE`, async () => {
      const from = freshAddress();
      const consents = s.countConsents();
      const consent = await s.request({
        from,
        method: 'POST',
        path: '/api/v1/consent',
        headers,
        body: { accept: true },
      });
      assertError(consent, 403, 'origin_forbidden');
      assert.equal(s.countConsents(), consents);

      await rejectsAndWritesNothing(s, {
        name,
        status: 403,
        code: 'origin_forbidden',
        body: { preset: 'core' },
        headers,
      });

      const ports = await closedPorts(from, 1, 22_000);
      const made = await s.scan(from, { ports });
      assert.equal(made.status, 202, made.text);
      await s.waitForScan(made.json.id);
      const del = await s.request({
        from,
        method: 'DELETE',
        path: `/api/v1/scans/${made.json.id}`,
        headers,
      });
      assertError(del, 403, 'origin_forbidden');
      const still = await s.request({ from, path: `/api/v1/scans/${made.json.id}` });
      assert.equal(still.status, 200);
    });
  }

  test('same-origin requests pass the origin check', async () => {
    const from = freshAddress();
    const own = `http://127.0.0.1:${s.port}`;
    const res = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { origin: own, 'sec-fetch-site': 'same-origin' },
      body: { accept: true },
    });
    assert.equal(res.status, 200, res.text);
    const scan = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { origin: own, 'sec-fetch-site': 'same-origin', 'selfscan-consent': res.json.token },
      body: { ports: await closedPorts(from, 1, 22_000) },
    });
    assert.equal(scan.status, 202, scan.text);
    await s.waitForScan(scan.json.id);
    const del = await s.request({
      from,
      method: 'DELETE',
      path: `/api/v1/scans/${scan.json.id}`,
      headers: { origin: own, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(del.status, 204);
  });

  test('a double submit (two concurrent POSTs with one token) → exactly one 202', async () => {
    for (let round = 0; round < 5; round++) {
      const from = freshAddress();
      const ports = await closedPorts(from, 3, 22_000);
      const token = await s.consent(from);
      const scans = s.countScans();
      const answers = await Promise.all([0, 1].map(() => s.scan(from, { ports }, token)));
      const accepted = answers.filter((r) => r.status === 202);
      assert.equal(accepted.length, 1, answers.map((r) => `${r.status} ${r.text}`).join(' | '));
      const refused = answers.find((r) => r.status !== 202)!;
      assert.ok(
        (refused.status === 403 && refused.json.error.code === 'consent_invalid') ||
          (refused.status === 409 && refused.json.error.code === 'scan_in_progress'),
        refused.text,
      );
      assertError(refused, refused.status, refused.json.error.code);
      assert.equal(s.countScans(), scans + 1);
      await s.waitForScan(accepted[0]!.json.id);
    }
  });

  test('headers too large → an error envelope', async () => {
    const res = await s.request({
      from: freshAddress(),
      path: '/api/v1/me',
      headers: { 'x-padding': 'a'.repeat(20_000) },
    });
    assert.equal(res.status, 431);
    assert.equal(res.json?.error?.code, 'invalid_request', res.text);
    assert.match(res.json.error.code, SNAKE);
  });

  test('a scan id that is too long → 400 envelope; unknown → 404 envelope', async () => {
    const from = freshAddress();
    assertError(
      await s.request({ from, path: `/api/v1/scans/${'a'.repeat(65)}` }),
      400,
      'invalid_request',
    );
    assertError(
      await s.request({ from, method: 'DELETE', path: `/api/v1/scans/${'a'.repeat(65)}` }),
      400,
      'invalid_request',
    );
    assertError(
      await s.request({ from, path: '/api/v1/scans/..%2f..%2fetc%2fpasswd' }),
      404,
      'not_found',
    );
  });
});

describe('public mode (loopback allowed by SELFSCAN_ALLOW_RANGES)', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService({
      SELFSCAN_MODE: 'public',
      SELFSCAN_ALLOW_RANGES: '127.0.0.0/8',
      SELFSCAN_CANARY: `127.0.0.1:${await unusedPort()}`,
      SELFSCAN_IP_STORAGE: 'truncate',
    });
  });
  after(() => s.close());

  test('more than 1055 ports → 400 invalid_request, nothing written', async () => {
    await rejectsAndWritesNothing(s, {
      name: '1056 ports',
      status: 400,
      code: 'invalid_request',
      body: { ports: range(30_000, 1056) },
    });
  });

  test('a body over 16 KiB → 413 body_too_large, nothing written', async () => {
    await rejectsAndWritesNothing(s, {
      name: 'a body over the limit',
      status: 413,
      code: 'body_too_large',
      body: { preset: 'core', label: 'a'.repeat(20_000) },
    });
  });

  test('preset "all" → 400 invalid_request, nothing written', async () => {
    await rejectsAndWritesNothing(s, {
      name: 'preset all',
      status: 400,
      code: 'invalid_request',
      body: { preset: 'all' },
    });
  });

  test('1055 ports and preset "service" are accepted; the address is stored masked', async () => {
    const from = freshAddress();
    const res = await s.scan(from, { ports: range(30_000, 1055) });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.equal(scan.total, 1055);
    assert.equal(scan.address, `${from.split('.').slice(0, 3).join('.')}.x`);
    const service = await s.scan(freshAddress(), { preset: 'service' });
    assert.equal(service.status, 202, service.text);
    assert.equal((await s.waitForScan(service.json.id)).total, 1055);
  });
});
