// UDP probes and service identification through the API (issue 16): the consent scopes (403
// consent_scope and nothing probed without them), a diagnosis with "udpPorts" and "identify",
// its findings in GET /api/v1/scans/:id and as `finding` SSE events, and the self-only rule for
// UDP sockets and identification connects: every one goes to the requester. Loopback peers: an
// HTTP server and an SSDP-like UDP responder bound to the requester's own address.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { clientAddresses, startTestService, type TestService } from '../helpers/service.js';

const from = '127.0.16.2';
const HTTP_PORT = 8080; // identified with HEAD / (core/identify/index.ts)
const SSDP_PORT = 1900;
const CLOSED_UDP = 1901;

// Where the service connected, at the layers identification and UDP probes use: net.Socket
// (identification, tls over it) and dgram (UDP probes, the route check). TCP port probes go
// through libuv handles (self-only.test.ts spies those).
const seen: { layer: 'tcp' | 'udp'; host: string | undefined; port: number | undefined }[] = [];
const original = { tcp: net.Socket.prototype.connect, udp: dgram.Socket.prototype.connect };

describe('UDP and identification through the API', () => {
  let s: TestService;
  let web: net.Server;
  let ssdp: dgram.Socket;

  before(async () => {
    net.Socket.prototype.connect = function spy(this: net.Socket, ...args: unknown[]) {
      let o = args[0];
      if (Array.isArray(o)) o = o[0];
      const opts = (o ?? {}) as { host?: string; port?: number; localAddress?: string };
      if (!(opts.localAddress && clientAddresses.has(opts.localAddress)))
        seen.push({ layer: 'tcp', host: opts.host, port: opts.port });
      return (original.tcp as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
    dgram.Socket.prototype.connect = function spy(this: dgram.Socket, ...args: unknown[]) {
      seen.push({
        layer: 'udp',
        host: typeof args[1] === 'string' ? args[1] : undefined,
        port: typeof args[0] === 'number' ? args[0] : undefined,
      });
      return (original.udp as (...a: unknown[]) => void).apply(this, args);
    } as typeof dgram.Socket.prototype.connect;

    s = await startTestService({ SELFSCAN_MODE: 'local' });
    // Raw bytes: node:http would refuse the escape character this server puts in its header.
    web = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 200 OK\r\nServer: LabHTTP/1.0 \x1b[31mred\r\nContent-Length: 0\r\n\r\n',
        ),
      );
    });
    await new Promise<void>((r) => web.listen(HTTP_PORT, from, r));
    ssdp = dgram.createSocket('udp4');
    ssdp.on('message', (msg, rinfo) => {
      if (msg.toString('latin1').startsWith('M-SEARCH'))
        ssdp.send(
          'HTTP/1.1 200 OK\r\nSERVER: LabUPnP/2.0\r\nST: upnp:rootdevice\r\n\r\n',
          rinfo.port,
          rinfo.address,
        );
    });
    await new Promise<void>((r) => ssdp.bind(SSDP_PORT, from, r));
  });
  after(async () => {
    ssdp?.close();
    await new Promise((r) => web?.close(r));
    await s?.close();
    net.Socket.prototype.connect = original.tcp;
    dgram.Socket.prototype.connect = original.udp;
  });

  const consent = async (body: Record<string, unknown>) => {
    const res = await s.request({ from, method: 'POST', path: '/api/v1/consent', body });
    assert.equal(res.status, 200, res.text);
    return res.json as { token: string; scopes: string[] };
  };

  test('a consent records its scopes: tcp always, udp and identify when asked', async () => {
    assert.deepEqual((await consent({ accept: true })).scopes, ['tcp']);
    assert.deepEqual((await consent({ accept: true, udp: true })).scopes, ['tcp', 'udp']);
    assert.deepEqual((await consent({ accept: true, identify: true, udp: false })).scopes, [
      'tcp',
      'identify',
    ]);
    const bad = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true, udp: 'yes' },
    });
    assert.equal(bad.status, 400);
  });

  test('udp / udpPorts / identify without the scope → 403 consent_scope, nothing probed', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ accept: true }, { preset: 'core', udp: true }],
      [{ accept: true }, { ports: [HTTP_PORT], udpPorts: [SSDP_PORT] }],
      [{ accept: true }, { ports: [HTTP_PORT], identify: true }],
      [
        { accept: true, udp: true },
        { ports: [HTTP_PORT], identify: true },
      ],
      [
        { accept: true, identify: true },
        { ports: [HTTP_PORT], udpPorts: [SSDP_PORT] },
      ],
    ];
    const scans = s.countScans();
    const mark = seen.length;
    for (const [c, body] of cases) {
      const { token } = await consent(c);
      const res = await s.scan(from, body, token);
      assert.equal(res.status, 403, `${JSON.stringify(c)} ${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.error.code, 'consent_scope');
      // The token was not spent: the right scan with it still works later (not here).
    }
    assert.equal(s.countScans(), scans, 'no diagnosis was created');
    assert.deepEqual(
      seen.slice(mark).filter((c) => c.host === from),
      [],
      'nothing was probed',
    );
  });

  test('invalid udpPorts are 400s', async () => {
    const { token } = await consent({ accept: true, udp: true });
    for (const udpPorts of [
      [],
      [0],
      [65536],
      [53, 53],
      Array.from({ length: 65 }, (_, i) => i + 1),
      ['53'],
    ]) {
      const res = await s.scan(from, { ports: [HTTP_PORT], udpPorts }, token);
      assert.equal(res.status, 400, `${JSON.stringify(udpPorts)}: ${res.text}`);
      assert.equal(res.json.error.code, 'invalid_request');
    }
  });

  test('with both scopes: UDP results, findings in the result and as `finding` events; every connect went to the requester', async () => {
    const { token } = await consent({ accept: true, udp: true, identify: true });
    const mark = seen.length;
    const res = await s.scan(
      from,
      { ports: [HTTP_PORT, HTTP_PORT + 1], udpPorts: [SSDP_PORT, CLOSED_UDP], identify: true },
      token,
    );
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.equal(scan.status, 'done');
    const states = Object.fromEntries(
      scan.results.map((r) => [`${r.protocol}/${r.port}`, `${r.state}/${r.reason}`]),
    );
    assert.deepEqual(states, {
      [`tcp/${HTTP_PORT}`]: 'open/syn-ack',
      [`tcp/${HTTP_PORT + 1}`]: 'closed/refused',
      [`udp/${SSDP_PORT}`]: 'open/udp-response',
      [`udp/${CLOSED_UDP}`]: 'closed/port-unreachable',
    });
    const findings = scan.findings ?? [];
    const byId = Object.fromEntries(findings.map((f) => [`${f.protocol}/${f.port}/${f.id}`, f]));
    assert.deepEqual(Object.keys(byId).sort(), [
      `tcp/${HTTP_PORT}/banner`,
      `udp/${SSDP_PORT}/ssdp-responds`,
    ]);
    // The banner is sanitised: the escape sequence the server sent is gone.
    assert.equal(byId[`tcp/${HTTP_PORT}/banner`]?.detail.server, 'LabHTTP/1.0 [31mred');
    assert.equal(byId[`udp/${SSDP_PORT}/ssdp-responds`]?.severity, 'medium');

    const { events } = await s.events(from, res.json.id);
    const names = events.map((e) => e.event);
    assert.equal(names.at(-1), 'end');
    const sse = events.filter((e) => e.event === 'finding').map((e) => JSON.parse(e.data));
    assert.deepEqual(sse, findings);

    const made = seen.slice(mark);
    assert.ok(
      made.some((c) => c.layer === 'udp' && c.port === SSDP_PORT),
      'UDP probes were seen',
    );
    assert.ok(
      made.some((c) => c.layer === 'tcp' && c.port === HTTP_PORT),
      'identification was seen',
    );
    for (const c of made) assert.equal(c.host, from, `${c.layer} connect to ${c.host}:${c.port}`);
  });

  test('without "identify", open TCP ports get no identification', async () => {
    const { token } = await consent({ accept: true, udp: true, identify: true });
    const mark = seen.length;
    const res = await s.scan(from, { ports: [HTTP_PORT] }, token);
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assert.deepEqual(scan.findings, []);
    assert.deepEqual(
      seen.slice(mark).filter((c) => c.layer === 'tcp' && c.host === from),
      [],
    );
  });
});
