// Both probe backends against real loopback listeners: same outcomes, and the fast one exists
// on the Node.js versions we support (otherwise scans silently run ~3× slower).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { availableProbeBackends, probeOnce } from '../../../src/core/tcp-probe.js';

describe('tcp probe backends', () => {
  let server: net.Server;
  let openPort: number;
  let closedPort: number;
  before(async () => {
    server = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as net.AddressInfo).port;
    const tmp = net.createServer();
    await new Promise<void>((resolve) => tmp.listen(0, '127.0.0.1', resolve));
    closedPort = (tmp.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => tmp.close(() => resolve()));
  });
  after(() => server.close());

  it('the fast handle backend is available (and the socket fallback)', () => {
    assert.deepEqual(availableProbeBackends().sort(), ['handle', 'socket']);
  });

  for (const backend of availableProbeBackends()) {
    it(`${backend}: open → syn-ack, closed → refused, bad source → local error`, async () => {
      const target = { address: '127.0.0.1', family: 4 as const };
      const signal = AbortSignal.timeout(2000);
      const open = await probeOnce(target, openPort, { signal, backend });
      assert.deepEqual(
        [open.kind, 'state' in open && open.state, 'reason' in open && open.reason],
        ['answer', 'open', 'syn-ack'],
      );
      const closed = await probeOnce(target, closedPort, { signal, backend });
      assert.deepEqual([closed.kind, 'state' in closed && closed.state], ['answer', 'closed']);
      // 192.0.2.1 is not an address of this host: bind() fails locally, nothing is sent.
      const local = await probeOnce(target, openPort, {
        signal,
        backend,
        localAddress: '192.0.2.1',
      });
      assert.equal(local.kind, 'local');
      assert.equal('reason' in local && local.reason, 'local-EADDRNOTAVAIL');
    });

    it(`${backend}: probes leave from the configured source address`, async () => {
      const seen: string[] = [];
      const server2 = net.createServer((sock) => {
        seen.push(sock.remoteAddress ?? '');
        sock.on('error', () => {});
      });
      await new Promise<void>((resolve) => server2.listen(0, '127.0.0.5', resolve));
      const port = (server2.address() as net.AddressInfo).port;
      try {
        const outcome = await probeOnce({ address: '127.0.0.5', family: 4 }, port, {
          signal: AbortSignal.timeout(2000),
          backend,
          localAddress: '127.0.0.3',
        });
        assert.equal('state' in outcome && outcome.state, 'open');
        for (let i = 0; i < 50 && seen.length === 0; i++)
          await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(seen, ['127.0.0.3']);
      } finally {
        server2.close();
      }
    });

    it(`${backend}: an aborted attempt is silent and leaves no socket behind`, async () => {
      const controller = new AbortController();
      controller.abort();
      const outcome = await probeOnce({ address: '127.0.0.1', family: 4 }, openPort, {
        signal: controller.signal,
        backend,
      });
      assert.equal(outcome.kind, 'silent');
    });
  }
});
