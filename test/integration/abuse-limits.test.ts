// Floods and counter flushes (issue 14), against the real service and its SQLite file:
//   - 5 000 consent requests from one address, and 5 000 spread over a /24: refused after the
//     limit, the database grows by a bounded amount (stated in the diagnostics);
//   - a /24 that used its scan quota stays refused after scans from 5 200 other /24s (an
//     evicting in-memory limiter with 5 000 keys forgot it);
//   - an IPv6 /56 that used its consent quota stays refused while its /64s rotate, and refused
//     attempts leave no keys behind (consents only: nothing is probed on those addresses).
// IPv4 clients are addresses of 127.0.0.0/8 (inject's remoteAddress, or real sockets); IPv6
// requesters exist only as inject's remoteAddress and are never connected to.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { assertError, startTestService, type TestService } from '../helpers/service.js';

/** Runs `count` calls of `fn`, `parallel` at a time; returns their results in order. */
async function pool<T>(count: number, parallel: number, fn: (i: number) => Promise<T>) {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

const consentFrom = (s: TestService, remoteAddress: string) =>
  s.service.app.inject({
    method: 'POST',
    url: '/api/v1/consent',
    remoteAddress,
    payload: { accept: true },
  });

function dbBytes(s: TestService): number {
  s.db().pragma('wal_checkpoint(TRUNCATE)');
  return statSync(s.dbFile).size;
}

const rateRows = (s: TestService) =>
  (s.db().prepare('select count(*) as n from rate_limits').get() as { n: number }).n;

test('consent flood: 5 000 from one address and 5 000 over a /24 → refused after the limit, bounded growth', async (t) => {
  const s = await startTestService({
    SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: '60',
    SELFSCAN_CONSENT_LIMIT_PER_NETWORK: '180',
  });
  t.after(() => s.close());
  const before = dbBytes(s);

  const one = await pool(5000, 16, () => consentFrom(s, '127.0.5.9'));
  const ok = one.filter((r) => r.statusCode === 200).length;
  assert.equal(ok, 60);
  const refused = one.find((r) => r.statusCode !== 200)!;
  assertError(
    {
      status: refused.statusCode,
      headers: refused.headers as Record<string, string>,
      text: refused.body,
      json: refused.json(),
    },
    429,
    'rate_limited',
  );
  assert.ok(Number(refused.headers['retry-after']) > 3000, 'waits for the rest of the hour');
  assert.equal(s.countConsents(), 60);

  const spread = await pool(5000, 16, (i) => consentFrom(s, `127.0.6.${1 + (i % 254)}`));
  assert.equal(spread.filter((r) => r.statusCode === 200).length, 180);
  assert.ok(spread.every((r) => r.statusCode === 200 || r.statusCode === 429));
  assert.equal(s.countConsents(), 240);
  // keys: one address + one /24, then 254 addresses + one /24 — refused ones added none
  const rows = rateRows(s);
  assert.ok(rows <= 2 + 180 + 1, `${rows} rate-limit rows`);
  const growth = dbBytes(s) - before;
  t.diagnostic(
    `10 000 consent requests: 240 accepted, ${s.countConsents()} consent rows, ${rows} rate-limit rows, database +${growth} bytes`,
  );
  assert.ok(growth < 200_000, `database grew ${growth} bytes`);
});

test('rate-limit flush: a /24 that used its scans stays refused after scans from 5 200 other /24s', async (t) => {
  const s = await startTestService({
    SELFSCAN_RATE_LIMIT_PER_NETWORK: '3',
    SELFSCAN_QUEUE_MAX: '100000',
  });
  t.after(() => s.close());
  const scanFrom = async (remoteAddress: string) => {
    const consent = await consentFrom(s, remoteAddress);
    assert.equal(consent.statusCode, 200, consent.body);
    const res = await s.service.app.inject({
      method: 'POST',
      url: '/api/v1/scans',
      remoteAddress,
      headers: { 'selfscan-consent': consent.json().token },
      payload: { ports: [9] },
    });
    return res;
  };
  for (const a of ['127.0.7.1', '127.0.7.2', '127.0.7.3'])
    assert.equal((await scanFrom(a)).statusCode, 202);
  assert.equal((await scanFrom('127.0.7.4')).statusCode, 429);

  // 5 200 other /24s: 127.8.0.1 … 127.28.79.1, one scan each.
  const started = Date.now();
  const others = await pool(5200, 8, (i) =>
    scanFrom(`127.${8 + Math.floor(i / 256)}.${i % 256}.1`),
  );
  assert.ok(others.every((r) => r.statusCode === 202));
  t.diagnostic(`5 200 scans from other /24s in ${Date.now() - started} ms`);

  const again = await scanFrom('127.0.7.5');
  assert.equal(again.statusCode, 429, `the /24 got more than its quota: ${again.body}`);
});

test('IPv6: a /56 that used its consents stays refused while /64s rotate across a /48; refused attempts add no keys', async (t) => {
  const s = await startTestService({
    SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: '5',
    SELFSCAN_CONSENT_LIMIT_PER_NETWORK: '10',
  });
  t.after(() => s.close());
  // 2001:db8:7:100::/56 — its /64s are 2001:db8:7:1XX::/64
  const inTarget = (i: number) =>
    `2001:db8:7:1${(i % 256).toString(16).padStart(2, '0')}::${1 + i}`;
  const first = await pool(10, 1, (i) => consentFrom(s, inTarget(i)));
  assert.ok(first.every((r) => r.statusCode === 200));
  const rowsAtQuota = rateRows(s);
  const refused = await pool(300, 8, (i) => consentFrom(s, inTarget(100 + i)));
  assert.ok(refused.every((r) => r.statusCode === 429));
  assert.equal(rateRows(s), rowsAtQuota, 'refused attempts created rate-limit keys');

  // The rest of the /48 rotates 5 200 /64s (each its own /56 now and then): no effect on ours.
  const elsewhere = await pool(5200, 16, (i) =>
    consentFrom(s, `2001:db8:7:${(0x200 + i).toString(16)}::1`),
  );
  assert.ok(elsewhere.some((r) => r.statusCode === 200));
  assert.equal((await consentFrom(s, inTarget(5000))).statusCode, 429);
  assert.equal((await consentFrom(s, '2001:db8:7:1ff::abcd')).statusCode, 429);
});
