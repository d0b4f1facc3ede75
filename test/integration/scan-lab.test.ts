// The probing core against real listeners and real firewall rules in a namespace lab: the exact
// state and reason of every port, both families (TESTING.md "Building ground truth").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PortResult } from '../../src/core/port-state.js';
import { DEFAULT_SCAN_OPTIONS, scanAll } from '../../src/core/scan.js';
import { availableProbeBackends } from '../../src/core/tcp-probe.js';
import { createLab, type Lab, labSupport, requireLab } from '../helpers/lab.js';

const OPEN = [22, 445, 3389, 8080];
const CLOSED = [23, 139, 5900];
const DROPPED = [135, 1433];
const REJECTED = [2323, 5555];
const ALL = [...OPEN, ...CLOSED, ...DROPPED, ...REJECTED].sort((a, b) => a - b);

function expected(port: number): Pick<PortResult, 'state' | 'reason'> {
  if (OPEN.includes(port)) return { state: 'open', reason: 'syn-ack' };
  if (CLOSED.includes(port)) return { state: 'closed', reason: 'refused' };
  if (DROPPED.includes(port)) return { state: 'filtered', reason: 'timeout' };
  return { state: 'filtered', reason: 'host-unreachable' };
}

const byPort = (results: PortResult[]) => new Map(results.map((r) => [r.port, r]));

describe('scan core in the namespace lab', { concurrency: false }, () => {
  let lab: Lab | undefined;
  before(async () => {
    if (!labSupport().ok) return;
    // 1 ms each way, as on any real path. Over a zero-delay veth an ICMPv6 error can arrive while
    // connect() itself still holds the socket lock; Linux then keeps it as a soft error and the
    // SYN is retried after 1 s, so the reject would read as a timeout (still filtered).
    lab = await createLab({ delayMs: 1 });
    await lab.listen(OPEN);
    await lab.drop(DROPPED);
    await lab.reject(REJECTED, 'admin-prohibited');
  });
  after(async () => lab?.close());

  for (const family of [4, 6] as const) {
    for (const backend of availableProbeBackends()) {
      it(`IPv${family} (${backend} backend): open, closed, dropped and admin-prohibited ports come out exactly right`, async (t) => {
        if (!requireLab(t) || !lab) return;
        const address = family === 4 ? lab.targetV4 : lab.targetV6;
        const results = await scanAll({ address, family }, ALL, { backend });
        assert.equal(results.length, ALL.length, 'one result per port');
        const got = byPort(results);
        for (const port of ALL) {
          const r = got.get(port);
          assert.ok(r, `result for ${port}`);
          assert.deepEqual({ state: r.state, reason: r.reason }, expected(port), `port ${port}`);
          assert.equal(r.protocol, 'tcp');
          assert.ok(Number.isInteger(r.ms) && r.ms >= 0);
        }
      });
    }
  }

  it('a silent target: the core list all dropped ends within two ceilings plus half a second', async (t) => {
    if (!requireLab(t)) return;
    const silent = await createLab();
    try {
      await silent.dropAll();
      const ports = [
        21, 22, 23, 80, 135, 139, 445, 1433, 2323, 3306, 3389, 5000, 5555, 5900, 6379, 7547, 8080,
      ];
      const started = performance.now();
      const results = await scanAll({ address: silent.targetV4, family: 4 }, ports);
      const wall = performance.now() - started;
      assert.ok(results.every((r) => r.state === 'filtered' && r.reason === 'timeout'));
      const bound = 2 * DEFAULT_SCAN_OPTIONS.timeoutMaxMs + 500;
      assert.ok(wall <= bound, `took ${Math.round(wall)} ms, bound ${bound} ms`);
      t.diagnostic(`all-dropped core list: ${Math.round(wall)} ms (bound ${bound} ms)`);
    } finally {
      await silent.close();
    }
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: no route from the scanner → error (local-ENETUNREACH), never filtered`, async (t) => {
      if (!requireLab(t) || !lab) return;
      const address = family === 4 ? await lab.noRouteV4() : await lab.routeFailure('throw', 6);
      const results = await scanAll({ address, family }, [22, 445]);
      for (const r of results)
        assert.deepEqual([r.state, r.reason], ['error', 'local-ENETUNREACH']);
    });
  }

  it('a prohibit route on the scanner side → error, on both families', async (t) => {
    if (!requireLab(t) || !lab) return;
    for (const family of [4, 6] as const) {
      const address = await lab.routeFailure('prohibit', family);
      const results = await scanAll({ address, family }, [22, 445]);
      for (const r of results)
        assert.deepEqual([r.state, r.reason], ['error', 'local-EACCES'], `IPv${family}`);
    }
  });
});

describe('scanner resource faults (scanner in its own namespace)', { concurrency: false }, () => {
  let lab: Lab | undefined;
  before(async () => {
    if (!labSupport().ok) return;
    lab = await createLab({ scannerNamespace: true });
    await lab.listen(OPEN);
  });
  after(async () => lab?.close());

  for (const family of [4, 6] as const) {
    const target = () => (family === 4 ? lab!.targetV4 : lab!.targetV6);

    it(`IPv${family}: EMFILE (no file descriptors left) → error (local-EMFILE), never filtered`, async (t) => {
      if (!requireLab(t) || !lab) return;
      const run = await lab.runScannerChild({
        address: target(),
        family,
        ports: [...OPEN, ...CLOSED],
        exhaustFds: true,
      });
      assert.ok(run.output, `child failed: ${run.stderr}`);
      assert.equal(run.output.results.length, OPEN.length + CLOSED.length);
      for (const r of run.output.results)
        assert.deepEqual([r.state, r.reason], ['error', 'local-EMFILE'], `port ${r.port}`);
    });

    it(`IPv${family}: EADDRNOTAVAIL (ephemeral ports exhausted) → error (local-EADDRNOTAVAIL)`, async (t) => {
      if (!requireLab(t) || !lab) return;
      // net.ipv4.ip_local_port_range governs IPv6 sockets too.
      await lab.sysctlScanner('net.ipv4.ip_local_port_range', '40000 40000');
      try {
        // The one ephemeral port is taken by a held connection to 445: another connection to the
        // same address and port has no 4-tuple left. Other ports can still reuse it.
        const run = await lab.runScannerChild({
          address: target(),
          family,
          ports: [445, 23],
          holdConnection: { port: 445 },
        });
        assert.ok(run.output, `child failed: ${run.stderr}`);
        assert.equal(run.output.held, 'connected');
        const got = byPort(run.output.results);
        assert.deepEqual(
          [got.get(445)?.state, got.get(445)?.reason],
          ['error', 'local-EADDRNOTAVAIL'],
        );
        assert.deepEqual([got.get(23)?.state, got.get(23)?.reason], ['closed', 'refused']);
      } finally {
        await lab.sysctlScanner('net.ipv4.ip_local_port_range', '32768 60999');
      }
    });

    it(`IPv${family}: a loopback self-connect (local = remote address and port) → closed, not open`, async (t) => {
      if (!requireLab(t) || !lab) return;
      // With one ephemeral port P, connect(loopback:P) binds P and meets itself (TCP simultaneous
      // open): the handshake "completes" although nothing listens.
      await lab.sysctlScanner('net.ipv4.ip_local_port_range', '40001 40001');
      try {
        const run = await lab.runScannerChild({
          address: family === 4 ? '127.0.0.1' : '::1',
          family,
          ports: [40001],
        });
        assert.ok(run.output, `child failed: ${run.stderr}`);
        assert.deepEqual(
          run.output.results.map((r) => [r.port, r.state, r.reason]),
          [[40001, 'closed', 'refused']],
        );
      } finally {
        await lab.sysctlScanner('net.ipv4.ip_local_port_range', '32768 60999');
      }
    });
  }
});

describe('accuracy under loss', { concurrency: false }, () => {
  it('30 % random loss on open ports: at most 0.5 % of ≥ 200 open-port probes misreported', async (t) => {
    if (!requireLab(t)) return;
    const lab = await createLab();
    try {
      const open = Array.from({ length: 250 }, (_, i) => 20000 + i);
      const dropped = Array.from({ length: 20 }, (_, i) => 21000 + i);
      await lab.listen(open);
      await lab.drop(dropped);
      await lab.lossOnPorts(open, 30);
      const results = await scanAll({ address: lab.targetV4, family: 4 }, [...open, ...dropped]);
      const got = byPort(results);
      const wrongOpen = open.filter((p) => got.get(p)?.state !== 'open');
      const wrongDropped = dropped.filter((p) => got.get(p)?.state !== 'filtered');
      t.diagnostic(`misreported open ports: ${wrongOpen.length}/${open.length}`);
      assert.ok(
        wrongOpen.length / open.length <= 0.005,
        `misreported ${wrongOpen.length} of ${open.length}: ${wrongOpen}`,
      );
      assert.deepEqual(wrongDropped, []);
    } finally {
      await lab.close();
    }
  });
});
