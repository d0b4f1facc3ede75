// The dashboard's security core (issue 11), against the real service (SQLite file, real store):
// every admin route — found by enumerating the registered routes, so a new one cannot slip
// through — refuses a request without a session, with an expired one and with another
// organisation's; ids of another organisation are not found; every form needs its CSRF token;
// sign-in is throttled; a sign-in rotates the session; TOTP; password reset ends sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { LOGIN_MAX_PER_ACCOUNT, newId, newSecret, sha256 } from '../../src/http/admin-auth.js';
import { registeredRoutes } from '../../src/http/build-app.js';
import { PUBLIC_ADMIN_ROUTES } from '../../src/http/routes/admin.js';
import { AdminClient, makeAccount, makeOrg, PASSWORD } from '../helpers/admin.js';
import { startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let orgA: string;
let orgB: string;
let operator: string;
let adminA: string;
let adminB: string;
/** Objects of organisation B, by route parameter name. */
const idsOfB: Record<string, string> = {};

before(async () => {
  svc = await startTestService();
  const store = svc.service.store;
  orgA = await makeOrg(store, 'Org A');
  orgB = await makeOrg(store, 'Org B');
  operator = await makeAccount(store, 'operator');
  adminA = await makeAccount(store, 'org_admin', orgA);
  adminB = await makeAccount(store, 'org_admin', orgB);
  // One diagnosis, link and token of B.
  const scanId = newId();
  await store.createScan({
    id: scanId,
    code: `B-${scanId.slice(0, 6)}`,
    requesterKey: `k-${scanId}`,
    address: '127.0.0.9',
    addressHash: null,
    family: 4,
    addressClass: 'loopback',
    ports: [{ port: 445, protocol: 'tcp' }],
    label: 'pc-b',
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'default',
    createdAt: Date.now(),
  });
  await store.orgs.attachScan({
    scanId,
    orgId: orgB,
    linkId: null,
    tokenId: null,
    createdAt: Date.now(),
  });
  idsOfB.scan = scanId;
  idsOfB.link = newId();
  await store.orgs.createLink({
    id: idsOfB.link,
    orgId: orgB,
    token: newSecret(),
    name: 'B link',
    labelMode: 'optional',
    expiresAt: null,
    createdAt: Date.now(),
  });
  idsOfB.token = newId();
  await store.orgs.createToken({
    id: idsOfB.token,
    orgId: orgB,
    tokenHash: sha256(newSecret()),
    name: 'B token',
    kind: 'read',
    createdAt: Date.now(),
  });
});
after(() => svc.close());

/** Every route of the dashboard and of the organisations API, as registered. */
function adminRoutes() {
  const all = registeredRoutes(svc.service.app).filter(
    (r) => r.method !== 'HEAD' && (r.url.startsWith('/admin') || r.url.startsWith('/api/v1/orgs')),
  );
  return all.map((r) => ({ ...r, key: `${r.method} ${r.url}` }));
}

const fill = (url: string, org: string, ids: Record<string, string>) =>
  url.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'org' ? org : (ids[name] ?? 'x')));

describe('admin routes, enumerated', () => {
  it('are many, and the public ones are exactly sign-in and reset', () => {
    const routes = adminRoutes();
    assert.ok(routes.length >= 25, `only ${routes.length} admin routes found`);
    for (const p of PUBLIC_ADMIN_ROUTES)
      assert.ok(
        routes.some((r) => r.key === p),
        `${p} is listed as public but not registered`,
      );
  });

  it('answer 401 without a session', async () => {
    const client = new AdminClient(svc.service.app);
    for (const r of adminRoutes()) {
      if (PUBLIC_ADMIN_ROUTES.includes(r.key)) continue;
      const res = await client.request(
        r.method,
        fill(r.url, orgA, idsOfB),
        r.method === 'POST' ? {} : undefined,
      );
      assert.equal(res.status, 401, `${r.key} without a session answered ${res.status}`);
    }
  });

  it('answer 401 with an expired session and with an idle one', async () => {
    const store = svc.service.store;
    const account = await store.orgs.accountByEmail(operator);
    for (const [createdAt, expiresAt] of [
      [Date.now() - 13 * 3_600_000, Date.now() - 3_600_000], // past its end
      [Date.now() - 2 * 3_600_000, Date.now() + 3_600_000], // idle for 2 h (limit 60 min)
    ] as const) {
      const token = newSecret();
      await store.orgs.createSession({
        tokenHash: sha256(token),
        accountId: account!.id,
        createdAt,
        expiresAt,
      });
      const client = new AdminClient(svc.service.app);
      client.jar.set('selfscan_session', token);
      for (const r of adminRoutes()) {
        if (PUBLIC_ADMIN_ROUTES.includes(r.key)) continue;
        const res = await client.request(
          r.method,
          fill(r.url, orgA, idsOfB),
          r.method === 'POST' ? {} : undefined,
        );
        assert.equal(res.status, 401, `${r.key} with an ended session answered ${res.status}`);
      }
    }
  });

  it("answer 403 with another organisation's session", async () => {
    const client = new AdminClient(svc.service.app);
    assert.equal((await client.login(adminA)).status, 303);
    let checked = 0;
    for (const r of adminRoutes()) {
      if (PUBLIC_ADMIN_ROUTES.includes(r.key)) continue;
      if (r.url.includes(':org')) {
        const res = await client.request(
          r.method,
          fill(r.url, orgB, idsOfB),
          r.method === 'POST' ? {} : undefined,
        );
        assert.equal(res.status, 403, `${r.key} of org B for an admin of A answered ${res.status}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} organisation routes`);
    // Routes without an organisation: the account's own pages, and the operator's.
    assert.equal((await client.post('/admin/orgs', { name: 'mine' })).status, 403);
    const overview = await client.request('GET', '/admin');
    assert.equal(overview.status, 303);
    assert.equal(overview.headers.location, `/admin/orgs/${orgA}`);
  });

  it('a read token of another organisation gets 403; a bad one 401', async () => {
    const store = svc.service.store;
    const tokenA = `ssorg_${newSecret()}`;
    await store.orgs.createToken({
      id: newId(),
      orgId: orgA,
      tokenHash: sha256(tokenA),
      name: 'A read',
      kind: 'read',
      createdAt: Date.now(),
    });
    const client = new AdminClient(svc.service.app);
    for (const suffix of ['', '.csv']) {
      const other = await client.request(
        'GET',
        `/api/v1/orgs/${orgB}/diagnoses${suffix}`,
        undefined,
        {
          authorization: `Bearer ${tokenA}`,
          accept: 'application/json',
        },
      );
      assert.equal(other.status, 403);
      assert.equal(JSON.parse(other.body).error.code, 'not_permitted');
      const bad = await client.request(
        'GET',
        `/api/v1/orgs/${orgA}/diagnoses${suffix}`,
        undefined,
        {
          authorization: `Bearer ssorg_${newSecret()}`,
        },
      );
      assert.equal(bad.status, 401);
      const own = await client.request(
        'GET',
        `/api/v1/orgs/${orgA}/diagnoses${suffix}`,
        undefined,
        {
          authorization: `Bearer ${tokenA}`,
        },
      );
      assert.equal(own.status, 200);
    }
  });
});

describe('tenant isolation', () => {
  it("every id-taking route answers 404 for another organisation's object under one's own", async () => {
    const client = new AdminClient(svc.service.app);
    assert.equal((await client.login(adminA)).status, 303);
    let checked = 0;
    for (const r of adminRoutes()) {
      const params = [...r.url.matchAll(/:([A-Za-z]+)/g)]
        .map((m) => m[1]!)
        .filter((p) => p !== 'org');
      if (params.length === 0 || !r.url.includes(':org')) continue;
      const url = fill(r.url, orgA, idsOfB);
      const res =
        r.method === 'POST'
          ? await client.post(url, {}, `/admin/orgs/${orgA}`)
          : await client.request(r.method, url);
      assert.equal(res.status, 404, `${r.key} with B's ${params.join(',')} answered ${res.status}`);
      checked++;
    }
    assert.ok(checked >= 4, `only ${checked} id-taking routes`);
    // Nothing of B changed.
    const store = svc.service.store;
    assert.ok(await store.getScan(idsOfB.scan!));
    assert.equal((await store.orgs.listLinks(orgB))[0]!.revokedAt, null);
    assert.equal((await store.orgs.listTokens(orgB))[0]!.revokedAt, null);
    // And A's lists do not show it.
    assert.deepEqual(await store.orgs.listDiagnoses(orgA), []);
    assert.equal((await store.orgs.listDiagnoses(orgB)).length, 1);
    assert.equal(await store.orgs.getDiagnosis(orgA, idsOfB.scan!), undefined);
    const page = await client.request('GET', `/admin/orgs/${orgA}`);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('pc-b'));
  });

  it('the operator sees every organisation', async () => {
    const client = new AdminClient(svc.service.app);
    await client.login(operator);
    const res = await client.request('GET', `/admin/orgs/${orgB}/diagnoses/${idsOfB.scan}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /pc-b/);
  });
});

describe('CSRF', () => {
  it('every form (POST route) refuses a request without its token', async () => {
    const client = new AdminClient(svc.service.app);
    assert.equal((await client.login(operator)).status, 303);
    await client.csrf(); // the CSRF cookie is set; only the token is missing
    let checked = 0;
    for (const r of adminRoutes()) {
      if (r.method !== 'POST') continue;
      const url = fill(r.url, orgA, { scan: 'x', link: 'x', token: 'x' });
      const res = await client.request('POST', url, { name: 'x', email: 'x@example.org' });
      assert.equal(res.status, 403, `${r.key} without a CSRF token answered ${res.status}`);
      const wrong = await client.request('POST', url, { _csrf: 'forged', name: 'x' });
      assert.equal(wrong.status, 403, `${r.key} with a forged CSRF token answered ${wrong.status}`);
      checked++;
    }
    assert.ok(checked >= 12, `only ${checked} POST routes`);
    // The session survived (the forms were refused, not the account).
    assert.equal((await client.request('GET', '/admin')).status, 200);
  });
});

describe('sign-in', () => {
  it(`is throttled after ${LOGIN_MAX_PER_ACCOUNT} attempts per account`, async () => {
    const email = await makeAccount(svc.service.store, 'org_admin', orgA);
    const client = new AdminClient(svc.service.app, '127.0.0.77');
    for (let i = 0; i < LOGIN_MAX_PER_ACCOUNT; i++)
      assert.equal((await client.login(email, 'wrong password!!')).status, 401);
    const refused = await client.login(email, PASSWORD); // even the right password now
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    // Another account from another address is not affected.
    const other = new AdminClient(svc.service.app, '127.0.0.78');
    assert.equal((await other.login(adminB)).status, 303);
  });

  it('rotates the session: a new token at every sign-in, the old one ended', async () => {
    const client = new AdminClient(svc.service.app, '127.0.0.79');
    assert.equal((await client.login(adminA)).status, 303);
    const first = client.session();
    assert.ok(first && first.length >= 40);
    const second = new AdminClient(svc.service.app, '127.0.0.79');
    second.jar.set('selfscan_session', first);
    second.jar.set('selfscan_csrf', client.jar.get('selfscan_csrf')!);
    assert.equal((await second.login(adminA)).status, 303);
    assert.notEqual(second.session(), first);
    const old = new AdminClient(svc.service.app);
    old.jar.set('selfscan_session', first);
    assert.equal((await old.request('GET', `/admin/orgs/${orgA}`)).status, 401);
    assert.equal((await second.request('GET', `/admin/orgs/${orgA}`)).status, 200);
  });

  it('a wrong password, an unknown account and an account without a password all fail alike', async () => {
    const client = new AdminClient(svc.service.app, '127.0.0.80');
    const a = await client.login(adminA, 'not the password');
    const b = await client.login('nobody@example.org', PASSWORD);
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.equal(client.session(), undefined);
  });

  it('sets __Host- Secure cookies over HTTPS (a trusted proxy says so)', async () => {
    const tls = await startTestService({ SELFSCAN_TRUSTED_PROXIES: '127.0.0.1/32' });
    try {
      const email = await makeAccount(tls.service.store, 'operator');
      const client = new AdminClient(tls.service.app);
      const token = await client.csrf();
      const res = await client.request(
        'POST',
        '/admin/login',
        { email, password: PASSWORD, _csrf: token },
        { 'x-forwarded-proto': 'https' },
      );
      assert.equal(res.status, 303);
      const cookie = [res.headers['set-cookie'] ?? []]
        .flat()
        .find((c) => c.startsWith('__Host-selfscan_session='));
      assert.ok(cookie, 'no __Host- session cookie');
      assert.match(cookie, /; Secure/i);
      assert.match(cookie, /; HttpOnly/i);
      assert.match(cookie, /; Path=\//i);
      assert.doesNotMatch(cookie, /Domain=/i);
    } finally {
      await tls.close();
    }
  });

  it('TOTP: turned on with a code, then sign-in needs the current code', async () => {
    const email = await makeAccount(svc.service.store, 'org_admin', orgA);
    const client = new AdminClient(svc.service.app, '127.0.0.81');
    await client.login(email);
    const start = await client.post('/admin/account/totp', { action: 'enable' }, '/admin/account');
    assert.equal(start.status, 200);
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(start.body)?.[1];
    assert.ok(secret);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    assert.equal(
      (
        await client.post(
          '/admin/account/totp',
          { action: 'enable', code: '000000' },
          '/admin/account',
        )
      ).status,
      totp.generate() === '000000' ? 303 : 400,
    );
    assert.equal(
      (
        await client.post(
          '/admin/account/totp',
          { action: 'enable', code: totp.generate() },
          '/admin/account',
        )
      ).status,
      303,
    );
    const fresh = new AdminClient(svc.service.app, '127.0.0.82');
    assert.equal((await fresh.login(email)).status, 401);
    assert.equal((await fresh.login(email, PASSWORD, totp.generate())).status, 303);
  });

  it('a changed password ends the other sessions', async () => {
    const email = await makeAccount(svc.service.store, 'org_admin', orgA);
    const one = new AdminClient(svc.service.app, '127.0.0.83');
    const two = new AdminClient(svc.service.app, '127.0.0.84');
    await one.login(email);
    await two.login(email);
    const changed = await one.post(
      '/admin/account/password',
      { current: PASSWORD, password: 'another long password' },
      '/admin/account',
    );
    assert.equal(changed.status, 200);
    assert.equal((await two.request('GET', '/admin/account')).status, 401);
    assert.equal((await one.request('GET', '/admin/account')).status, 200);
  });
});
