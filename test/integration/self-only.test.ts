// The self-only invariant (PRODUCT.md feature 1, TESTING.md "integration"): whatever a request
// carries — body fields, query string, proxy headers from an untrusted peer, cookies, family
// tickets — the only addresses the service ever connects to are the requester's own and those of
// valid tickets (each the socket peer of a whoami request for the same consent). The service runs in this process,
// and spies record every destination it connects to, at every layer a connect can take:
//   - libuv's TCP handle (process.binding('tcp_wrap').TCP: connect/connect6, with the address a
//     handle was bound to) — under net.Socket and used directly by the probe's `handle` backend;
//   - net.Socket.prototype.connect (net.connect, net.createConnection, http clients);
//   - dgram.Socket.prototype.connect (the scan's route check).
// The test's own HTTP client sockets are told apart by their bound local address.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { newId, newSecret, sha256 } from '../../src/http/admin-auth.js';
import { createTickets } from '../../src/http/tickets.js';
import {
  clientAddresses,
  closedPorts,
  listenOn,
  type Response,
  startTestService,
  type TestService,
} from '../helpers/service.js';

interface Connect {
  layer: 'handle' | 'socket' | 'udp';
  host: string | undefined;
  port: number | undefined;
  localAddress: string | undefined;
}

const connects: Connect[] = [];

function describeSocketConnect(args: unknown[]): Connect {
  // net.connect() passes its normalised arguments as one array: [options, callback].
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    const o = first as {
      host?: string;
      port?: number | string;
      localAddress?: string;
      path?: string | null;
    };
    return {
      layer: 'socket',
      host: typeof o.path === 'string' ? `unix:${o.path}` : o.host,
      port: o.port === undefined ? undefined : Number(o.port),
      localAddress: o.localAddress,
    };
  }
  return {
    layer: 'socket',
    host: typeof args[1] === 'string' ? args[1] : undefined,
    port: typeof first === 'number' || typeof first === 'string' ? Number(first) : undefined,
    localAddress: undefined,
  };
}

interface TcpHandlePrototype {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: unknown, address: string, port: number): number;
  connect6(req: unknown, address: string, port: number): number;
}
const tcpHandle = (
  process as unknown as { binding(name: string): { TCP: { prototype: TcpHandlePrototype } } }
).binding('tcp_wrap').TCP.prototype;
const original = {
  socketConnect: net.Socket.prototype.connect,
  udpConnect: dgram.Socket.prototype.connect,
  bind: tcpHandle.bind,
  bind6: tcpHandle.bind6,
  connect: tcpHandle.connect,
  connect6: tcpHandle.connect6,
};
const boundTo = new WeakMap<object, string>();

function installSpy(): void {
  net.Socket.prototype.connect = function spySocketConnect(this: net.Socket, ...args: unknown[]) {
    connects.push(describeSocketConnect(args));
    return (original.socketConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  dgram.Socket.prototype.connect = function spyUdpConnect(this: dgram.Socket, ...args: unknown[]) {
    connects.push({
      layer: 'udp',
      host: typeof args[1] === 'string' ? args[1] : undefined,
      port: typeof args[0] === 'number' ? args[0] : undefined,
      localAddress: undefined,
    });
    return (original.udpConnect as (...a: unknown[]) => void).apply(this, args);
  } as typeof dgram.Socket.prototype.connect;
  tcpHandle.bind = function spyBind(this: object, address: string, port: number) {
    boundTo.set(this, address);
    return original.bind.call(this, address, port);
  };
  tcpHandle.bind6 = function spyBind6(this: object, address: string, port: number, flags: number) {
    boundTo.set(this, address);
    return original.bind6.call(this, address, port, flags);
  };
  tcpHandle.connect = function spyConnect(
    this: object,
    req: unknown,
    address: string,
    port: number,
  ) {
    connects.push({ layer: 'handle', host: address, port, localAddress: boundTo.get(this) });
    return original.connect.call(this, req, address, port);
  };
  tcpHandle.connect6 = function spyConnect6(
    this: object,
    req: unknown,
    address: string,
    port: number,
  ) {
    connects.push({ layer: 'handle', host: address, port, localAddress: boundTo.get(this) });
    return original.connect6.call(this, req, address, port);
  };
}

function removeSpy(): void {
  net.Socket.prototype.connect = original.socketConnect;
  dgram.Socket.prototype.connect = original.udpConnect;
  tcpHandle.bind = original.bind;
  tcpHandle.bind6 = original.bind6;
  tcpHandle.connect = original.connect;
  tcpHandle.connect6 = original.connect6;
}

/** Connects made by the service (not by the test's client) since `mark`. */
function serviceConnectsSince(s: TestService, mark: number): Connect[] {
  return connects
    .slice(mark)
    .filter(
      (c) =>
        !(
          c.layer !== 'udp' &&
          c.host === '127.0.0.1' &&
          c.port === s.port &&
          c.localAddress !== undefined &&
          clientAddresses.has(c.localAddress)
        ),
    );
}

/** Runs `send` (which must start one scan), waits for the scan, and returns the connects the
 *  service made meanwhile; asserts that every one of them went to `expected` and that every
 *  requested port was probed. */
async function probesOf(
  s: TestService,
  send: () => Promise<Response>,
  expected: string,
  ports: readonly number[],
): Promise<{ res: Response; connects: Connect[] }> {
  const mark = connects.length;
  const res = await send();
  assert.equal(res.status, 202, res.text);
  const scan = await s.waitForScan(res.json.id);
  assert.equal(scan.status, 'done');
  assert.equal(scan.address, expected);
  const made = serviceConnectsSince(s, mark);
  const tcp = made.filter((c) => c.layer === 'handle');
  const udp = made.filter((c) => c.layer === 'udp');
  assert.ok(tcp.length >= ports.length, `only ${tcp.length} probes for ${ports.length} ports`);
  for (const c of made)
    assert.equal(c.host, expected, `the service connected to ${c.host}:${c.port} (${c.layer})`);
  assert.deepEqual(
    [...new Set(tcp.map((c) => c.port))].sort((a, b) => a! - b!),
    [...ports].sort((a, b) => a - b),
  );
  assert.ok(udp.length >= 1, 'the route check was not seen: is the spy working?');
  return { res, connects: made };
}

const SPOOF = '127.0.0.99';

describe('self-only: nothing in a request chooses the target', () => {
  let s: TestService;
  let decoy: Awaited<ReturnType<typeof listenOn>>;
  const from = '127.0.0.11';
  let ports: number[];

  before(async () => {
    installSpy();
    s = await startTestService();
    // A listener on the address a spoofer names: if it were scanned, its port would be open.
    decoy = await listenOn(SPOOF, 1);
    const [decoyPort] = decoy.open;
    const free = await closedPorts(from, 3, 23_000);
    // The decoy's port is free on the requester (ports are per address).
    const freeOnRequester = await closedPorts(from, 1, decoyPort!).catch(() => []);
    ports = [...free, ...(freeOnRequester[0] === decoyPort ? [decoyPort!] : [])];
  });
  after(async () => {
    await decoy.close();
    await s.close();
    removeSpy();
  });

  test('the spy sees the service probing (sanity)', async () => {
    const mark = connects.length;
    const res = await s.scan(from, { ports });
    assert.equal(res.status, 202, res.text);
    await s.waitForScan(res.json.id);
    const made = serviceConnectsSince(s, mark);
    assert.ok(made.filter((c) => c.layer === 'handle' && c.host === from).length >= ports.length);
    // and it tells the test's own client sockets apart, at both TCP layers
    for (const layer of ['handle', 'socket'])
      assert.ok(
        connects
          .slice(mark)
          .some((c) => c.layer === layer && c.port === s.port && c.localAddress === from),
        layer,
      );
  });

  for (const field of ['target', 'address', 'host', 'ip', 'targets', 'to']) {
    test(`a body field "${field}" → 400, nothing probed`, async () => {
      const mark = connects.length;
      const scans = s.countScans();
      for (const value of [SPOOF, [SPOOF], { address: SPOOF }]) {
        const res = await s.scan(from, { ports, [field]: value });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.json.error.code, 'invalid_request');
        assert.match(res.json.error.message, new RegExp(field));
      }
      assert.equal(s.countScans(), scans);
      assert.deepEqual(serviceConnectsSince(s, mark), []);
    });
  }

  const attempts: [string, { path?: string; headers?: Record<string, string> }][] = [
    [
      'query string',
      { path: `/api/v1/scans?target=${SPOOF}&address=${SPOOF}&host=${SPOOF}&ip=${SPOOF}` },
    ],
    ['X-Forwarded-For', { headers: { 'x-forwarded-for': SPOOF } }],
    ['X-Forwarded-For (list)', { headers: { 'x-forwarded-for': `${SPOOF}, 127.0.0.98` } }],
    ['Forwarded', { headers: { forwarded: `for=${SPOOF};proto=https;by=127.0.0.98` } }],
    ['X-Real-IP', { headers: { 'x-real-ip': SPOOF } }],
    ['CF-Connecting-IP', { headers: { 'cf-connecting-ip': SPOOF } }],
    ['True-Client-IP', { headers: { 'true-client-ip': SPOOF } }],
    [
      'X-Client-IP and friends',
      {
        headers: {
          'x-client-ip': SPOOF,
          'x-cluster-client-ip': SPOOF,
          'fastly-client-ip': SPOOF,
          'x-original-forwarded-for': SPOOF,
        },
      },
    ],
    ['a cookie', { headers: { cookie: `target=${SPOOF}; address=${SPOOF}; ip=${SPOOF}` } }],
    ['Host and X-Forwarded-Host', { headers: { host: `${SPOOF}:1`, 'x-forwarded-host': SPOOF } }],
    [
      'everything at once',
      {
        path: `/api/v1/scans?target=${SPOOF}`,
        headers: {
          'x-forwarded-for': SPOOF,
          forwarded: `for=${SPOOF}`,
          'x-real-ip': SPOOF,
          'cf-connecting-ip': SPOOF,
          'true-client-ip': SPOOF,
          cookie: `target=${SPOOF}`,
        },
      },
    ],
  ];
  for (const [name, attempt] of attempts) {
    test(`${name} pointing at ${SPOOF} from an untrusted peer: only ${from} is probed`, async () => {
      const headers = attempt.headers ?? {};
      const me = await s.request({ from, path: '/api/v1/me', headers });
      assert.equal(me.status, 200);
      assert.equal(me.json.address, from);

      // The consent is also taken with the spoofing headers: it binds to the peer.
      const consent = await s.request({
        from,
        method: 'POST',
        path: '/api/v1/consent',
        headers,
        body: { accept: true },
      });
      assert.equal(consent.status, 200, consent.text);
      const token = consent.json.token as string;
      const { connects: made } = await probesOf(
        s,
        () =>
          s.request({
            from,
            method: 'POST',
            path: attempt.path ?? '/api/v1/scans',
            headers: { ...headers, 'selfscan-consent': token },
            body: { ports },
          }),
        from,
        ports,
      );
      assert.ok(!made.some((c) => c.host === SPOOF));
    });
  }

  test(`UDP probes and identification (issue 16), with every spoofing header: UDP sockets and identification connects go to ${from} only`, async () => {
    // An identifiable open port on the requester (HEAD / on 8080) and UDP ports to probe.
    const web = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nServer: lab\r\n\r\n'));
    });
    await new Promise<void>((resolve) => web.listen(8080, from, resolve));
    try {
      const headers = {
        'x-forwarded-for': SPOOF,
        forwarded: `for=${SPOOF}`,
        'x-real-ip': SPOOF,
        cookie: `target=${SPOOF}`,
      };
      const consent = await s.request({
        from,
        method: 'POST',
        path: '/api/v1/consent',
        headers,
        body: { accept: true, udp: true, identify: true },
      });
      assert.equal(consent.status, 200, consent.text);
      const tcpPorts = [...ports, 8080];
      const udpPorts = [53, 161, 1900];
      const { connects: made } = await probesOf(
        s,
        () =>
          s.request({
            from,
            method: 'POST',
            path: `/api/v1/scans?target=${SPOOF}`,
            headers: { ...headers, 'selfscan-consent': consent.json.token },
            body: { ports: tcpPorts, udpPorts, identify: true },
          }),
        from,
        tcpPorts,
      );
      const udpProbed = new Set(made.filter((c) => c.layer === 'udp').map((c) => c.port));
      for (const port of udpPorts) assert.ok(udpProbed.has(port), `udp/${port} probed`);
      // identification: a second connection to 8080 through net.Socket (HEAD /)
      assert.ok(
        made.some((c) => c.layer === 'socket' && c.port === 8080),
        'the identification connect was seen',
      );
      assert.ok(!made.some((c) => c.host === SPOOF));
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });

  test('the decoy would have been seen: scanning it directly finds its port open', async () => {
    const [decoyPort] = decoy.open;
    const res = await s.scan(SPOOF, { ports: [decoyPort!] });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.equal(scan.results[0]?.state, 'open');
  });

  test('a token taken with spoofed headers is bound to the peer, not to the spoofed address', async () => {
    const consent = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { 'x-forwarded-for': SPOOF },
      body: { accept: true },
    });
    assert.equal(consent.status, 200);
    const stolen = await s.scan(SPOOF, { ports }, consent.json.token);
    assert.equal(stolen.status, 403, stolen.text);
    assert.equal(stolen.json.error.code, 'consent_invalid');
  });

  test(`an organisation's report token with spoofed headers: only ${from} is probed`, async () => {
    // The token stands for the organisation's consent; it says nothing about the target.
    const store = s.service.store;
    const orgId = newId();
    await store.orgs.createOrg({
      id: orgId,
      name: 'Self-only',
      webhookSecret: newSecret(),
      createdAt: Date.now(),
    });
    const token = `ssorg_${newSecret()}`;
    await store.orgs.createToken({
      id: newId(),
      orgId,
      tokenHash: sha256(token),
      name: 'pcs',
      kind: 'report',
      createdAt: Date.now(),
    });
    const { res, connects: made } = await probesOf(
      s,
      () =>
        s.request({
          from,
          method: 'POST',
          path: '/api/v1/scans',
          headers: {
            authorization: `Bearer ${token}`,
            'x-forwarded-for': SPOOF,
            forwarded: `for=${SPOOF}`,
          },
          body: { ports },
        }),
      from,
      ports,
    );
    assert.ok(!made.some((c) => c.host === SPOOF));
    assert.equal((await store.orgs.orgOfScan(res.json.id))?.orgId, orgId);
  });
});

describe('self-only behind a trusted proxy (SELFSCAN_TRUSTED_PROXIES=127.0.0.50/32)', () => {
  let s: TestService;
  const proxy = '127.0.0.50';

  before(async () => {
    installSpy();
    s = await startTestService({ SELFSCAN_TRUSTED_PROXIES: '127.0.0.50/32' });
  });
  after(async () => {
    await s.close();
    removeSpy();
  });

  const cases: [string, string, Record<string, string>, string][] = [
    // [name, peer, headers, the address that must be scanned]
    ['the client behind the proxy', proxy, { 'x-forwarded-for': '127.0.0.21' }, '127.0.0.21'],
    [
      'the rightmost untrusted entry, not a spoofed leftmost one',
      proxy,
      { 'x-forwarded-for': `${SPOOF}, 127.0.0.21` },
      '127.0.0.21',
    ],
    [
      'trusted proxies are skipped from the right',
      proxy,
      { 'x-forwarded-for': '127.0.0.21, 127.0.0.50' },
      '127.0.0.21',
    ],
    [
      'a chain of trusted hops ending in a spoofed entry: the first untrusted from the right',
      proxy,
      { 'x-forwarded-for': `${SPOOF}, 127.0.0.50` },
      SPOOF,
    ],
    [
      'an IPv4-mapped IPv6 spelling is the IPv4 address',
      proxy,
      { 'x-forwarded-for': '::ffff:127.0.0.21' },
      '127.0.0.21',
    ],
    ['the proxy itself without the header', proxy, {}, proxy],
    ['Forwarded is not read (only X-Forwarded-For)', proxy, { forwarded: `for=${SPOOF}` }, proxy],
    ['X-Real-IP is not read', proxy, { 'x-real-ip': SPOOF }, proxy],
    [
      'the same header from an untrusted peer is ignored',
      '127.0.0.12',
      { 'x-forwarded-for': `${SPOOF}, 127.0.0.21` },
      '127.0.0.12',
    ],
  ];
  for (const [name, peer, headers, expected] of cases) {
    test(`${name}: from ${peer} → ${expected}`, async () => {
      const me = await s.request({ from: peer, path: '/api/v1/me', headers });
      assert.equal(me.status, 200);
      assert.equal(me.json.address, expected);
      const ports = await closedPorts(expected, 2, 23_100);
      const consent = await s.request({
        from: peer,
        method: 'POST',
        path: '/api/v1/consent',
        headers,
        body: { accept: true },
      });
      assert.equal(consent.status, 200, consent.text);
      await probesOf(
        s,
        () =>
          s.request({
            from: peer,
            method: 'POST',
            path: '/api/v1/scans',
            headers: { ...headers, 'selfscan-consent': consent.json.token },
            body: { ports },
          }),
        expected,
        ports,
      );
    });
  }

  test('a consent given for one forwarded client does not serve another', async () => {
    const consent = await s.request({
      from: proxy,
      method: 'POST',
      path: '/api/v1/consent',
      headers: { 'x-forwarded-for': '127.0.0.21' },
      body: { accept: true },
    });
    assert.equal(consent.status, 200);
    const scans = s.countScans();
    const other = await s.request({
      from: proxy,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'x-forwarded-for': '127.0.0.22', 'selfscan-consent': consent.json.token },
      body: { preset: 'core' },
    });
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json.error.code, 'consent_invalid');
    assert.equal(s.countScans(), scans);
  });

  test('a forwarded value that is not an IP literal → 400 invalid_request, nothing written or probed', async () => {
    for (const value of [
      'evil.example',
      `${SPOOF}:80`,
      'unknown',
      '[::1]',
      '127.1',
      '0x7f.0.0.1',
    ]) {
      const mark = connects.length;
      const scans = s.countScans();
      const consents = s.countConsents();
      const headers = { 'x-forwarded-for': value };
      const me = await s.request({ from: proxy, path: '/api/v1/me', headers });
      assert.equal(me.status, 400, `/me with X-Forwarded-For ${JSON.stringify(value)}: ${me.text}`);
      assert.equal(me.json.error.code, 'invalid_request');
      const consent = await s.request({
        from: proxy,
        method: 'POST',
        path: '/api/v1/consent',
        headers,
        body: { accept: true },
      });
      assert.equal(consent.status, 400, consent.text);
      assert.equal(consent.json.error.code, 'invalid_request');
      const scan = await s.request({
        from: proxy,
        method: 'POST',
        path: '/api/v1/scans',
        headers: { ...headers, 'selfscan-consent': 'x'.repeat(32) },
        body: { preset: 'core' },
      });
      assert.equal(scan.status, 400, scan.text);
      assert.equal(scan.json.error.code, 'invalid_request');
      assert.equal(s.countScans(), scans);
      assert.equal(s.countConsents(), consents);
      assert.deepEqual(serviceConnectsSince(s, mark), []);
    }
  });
});

describe('self-only with family tickets (issue 15): only the requester and valid tickets', () => {
  const KEY = 'q'.repeat(40);
  let s: TestService;
  const from = '127.0.0.31';
  const other = '127.0.0.32'; // the requester's "other family" address: it asks whoami itself
  let ports: number[];

  before(async () => {
    installSpy();
    s = await startTestService({ SELFSCAN_TICKET_KEY: KEY });
    ports = await closedPorts(from, 2, 23_200);
  });
  after(async () => {
    await s.close();
    removeSpy();
  });

  const consentOf = async (peer: string) => {
    const c = await s.request({
      from: peer,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });
    assert.equal(c.status, 200, c.text);
    assert.match(c.json.nonce, /^[A-Za-z0-9_-]{16,64}$/);
    return c.json as { token: string; nonce: string };
  };
  const whoami = async (peer: string, nonce: string, headers: Record<string, string> = {}) => {
    const w = await s.request({ from: peer, path: `/api/v1/whoami?nonce=${nonce}`, headers });
    assert.equal(w.status, 200, w.text);
    return w.json as { address: string; ticket: string };
  };
  const scanWith = (token: string, tickets: unknown, headers: Record<string, string> = {}) =>
    s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { ...headers, 'selfscan-consent': token },
      body: { ports, tickets },
    });

  test('a valid ticket adds its address; nothing else is ever connected to', async () => {
    const consent = await consentOf(from);
    const w = await whoami(other, consent.nonce, { 'x-forwarded-for': SPOOF });
    assert.equal(w.address, other, 'the ticket names the socket peer, not a header');
    const mark = connects.length;
    const res = await scanWith(consent.token, [w.ticket], { 'x-forwarded-for': SPOOF });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.equal(scan.status, 'done');
    assert.deepEqual(
      scan.targets?.map((t) => t.address),
      [from, other],
    );
    const made = serviceConnectsSince(s, mark);
    for (const c of made)
      assert.ok(
        c.host === from || c.host === other,
        `the service connected to ${c.host}:${c.port} (${c.layer})`,
      );
    for (const target of [from, other])
      assert.deepEqual(
        [
          ...new Set(
            made.filter((c) => c.layer === 'handle' && c.host === target).map((c) => c.port),
          ),
        ].sort(),
        [...ports].sort(),
        `every port probed on ${target}`,
      );
  });

  // Each case: a consent of `from`, and tickets that must not name an address → 400, nothing.
  const forged: [string, (consent: { token: string; nonce: string }) => Promise<unknown>][] = [
    [
      'an edited address (signature kept)',
      async (c) => {
        const { ticket } = await whoami(other, c.nonce);
        const [body, sig] = ticket.split('.') as [string, string];
        const claim = JSON.parse(Buffer.from(body, 'base64url').toString());
        claim.a = SPOOF;
        return [`${Buffer.from(JSON.stringify(claim)).toString('base64url')}.${sig}`];
      },
    ],
    [
      'a forged signature (another key)',
      async (c) => [createTickets('z'.repeat(40)).issue(SPOOF, 4, c.nonce, Date.now()).ticket],
    ],
    [
      'another consent’s nonce',
      async () => {
        const elsewhere = await consentOf(from);
        return [(await whoami(other, elsewhere.nonce)).ticket];
      },
    ],
    [
      'issued to a peer for the consent of another requester',
      async () => {
        const theirs = await consentOf(SPOOF);
        return [(await whoami(SPOOF, theirs.nonce)).ticket];
      },
    ],
    [
      'expired (signed with the right key, 3 minutes ago)',
      async (c) => [createTickets(KEY).issue(SPOOF, 4, c.nonce, Date.now() - 3 * 60_000).ticket],
    ],
    [
      'already spent (its id is in spent_tickets)',
      async (c) => {
        const t = createTickets(KEY).issue(SPOOF, 4, c.nonce, Date.now());
        s.db()
          .prepare('insert into spent_tickets (ticket_id, expires_at) values (?, ?)')
          .run(t.id, t.expiresAt);
        return [t.ticket];
      },
    ],
    [
      'two tickets of one family',
      async (c) => [
        (await whoami(other, c.nonce)).ticket,
        createTickets(KEY).issue(SPOOF, 4, c.nonce, Date.now()).ticket,
      ],
    ],
    ['garbage', async () => ['not-a-ticket', `${SPOOF}.${SPOOF}`]],
  ];
  for (const [name, make] of forged) {
    test(`a ticket ${name} → 400 ticket_invalid, no scan, nothing probed`, async () => {
      const consent = await consentOf(from);
      const tickets = await make(consent);
      const scans = s.countScans();
      const mark = connects.length;
      const res = await scanWith(consent.token, tickets);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.code, 'ticket_invalid');
      assert.equal(s.countScans(), scans);
      assert.deepEqual(serviceConnectsSince(s, mark), []);
      // The consent was not spent: the same consent still starts a diagnosis of the requester.
      const ok = await scanWith(consent.token, []);
      assert.equal(ok.status, 202, ok.text);
      await s.waitForScan(ok.json.id);
    });
  }

  test('a ticket that is not a string list → 400 invalid_request', async () => {
    const consent = await consentOf(from);
    for (const tickets of [SPOOF, [{ address: SPOOF }], [1]]) {
      const res = await scanWith(consent.token, tickets);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.code, 'invalid_request');
    }
  });
});
