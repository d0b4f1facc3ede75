// The egress canary: an address:port that must NOT answer. When it does (a transparent
// interceptor would make every port look open), scans are refused with 503 scanner_unhealthy and
// /readyz fails. Loopback only: the "interceptor" is a listener the test starts itself.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import { checkCanary } from '../../src/core/canary.js';

const listen = (host: string) =>
  new Promise<net.Server>((resolve) => {
    const server = net.createServer((socket) => socket.on('error', () => {}).destroy());
    server.listen(0, host, () => resolve(server));
  });
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('egress canary', () => {
  let answering: net.Server;
  let silentPort: number;
  before(async () => {
    answering = await listen('127.0.0.1');
    const closed = await listen('127.0.0.1');
    silentPort = portOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve())); // now refused
  });
  after(() => answering.close());

  it('is healthy when the canary does not answer, unhealthy when it does', async () => {
    const ok = await checkCanary({ address: '127.0.0.1', family: 4, port: silentPort }, 1000);
    assert.equal(ok.healthy, true, ok.detail);
    const bad = await checkCanary(
      { address: '127.0.0.1', family: 4, port: portOf(answering) },
      1000,
    );
    assert.equal(bad.healthy, false);
    assert.match(bad.detail, /accepted a connection/);
  });

  it('an answering canary stops scans (503 scanner_unhealthy) and fails /readyz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-canary-'));
    const service = await startService(
      loadConfig({
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_CANARY: `127.0.0.1:${portOf(answering)}`,
      }),
    );
    try {
      const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json().checks.scanner, /accepted a connection/);

      const consent = await service.app.inject({
        method: 'POST',
        url: '/api/v1/consent',
        payload: { accept: true },
      });
      assert.equal(consent.statusCode, 200);
      const scan = await service.app.inject({
        method: 'POST',
        url: '/api/v1/scans',
        headers: { 'selfscan-consent': consent.json().token },
        payload: { ports: [22] },
      });
      assert.equal(scan.statusCode, 503);
      assert.equal(scan.json().error.code, 'scanner_unhealthy');
      assert.ok(scan.headers['retry-after']);
      // Nothing was started and the token was not spent.
      assert.equal(await service.store.countActiveScans(), 0);
    } finally {
      await service.close();
    }
  });

  it('a silent canary lets scans through and /readyz pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-canary-'));
    const service = await startService(
      loadConfig({
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_CANARY: `127.0.0.1:${silentPort}`,
      }),
    );
    try {
      const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
    } finally {
      await service.close();
    }
  });
});
