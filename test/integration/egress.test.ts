// The scanner's own firewall must never make an open port look safe (issue 7). Rules in the
// scanner host's OUTPUT chain — drop, reject, reject with tcp reset, ICMP rejects — against ports
// that are really open at the client. Without the egress self-test those ports read closed or
// filtered (shown first, as the control); with SELFSCAN_EGRESS_REFERENCE naming a host where
// every port accepts, each comes out `error` / `local-egress-blocked`, the verdict is `incomplete`
// (never `safe`), and /readyz lists the blocked ports. In public mode the service refuses to start
// without a reference.
//
// Real processes: the server (src/bin/server.ts) in the root namespace, the client
// (test/helpers/http-client.mjs) in a lab namespace, the reference in a second lab namespace (nft
// `redirect` of every port to one listener, as docs/operations.md tells operators). The output
// rules match only these labs' addresses. Traffic: only to the labs' own addresses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scanAll } from '../../src/core/scan.js';
import {
  createLab,
  httpClientCommand,
  type Lab,
  labSupport,
  requireLab,
  type ScannerBlockKind,
} from '../helpers/lab.js';
import { jsonRequest, startServerProcess } from '../helpers/server-process.js';

const BLOCKED: [number, ScannerBlockKind][] = [
  [445, 'drop'],
  [139, 'reject'],
  [25, 'tcp-reset'],
  [135, 'admin-prohibited'],
  [3389, 'host-unreachable'],
];
const BLOCKED_PORTS = BLOCKED.map(([p]) => p);
const CLOSED = [22, 23];
const PORTS = [...BLOCKED_PORTS, ...CLOSED].sort((a, b) => a - b);

interface Line {
  step: string;
  [key: string]: unknown;
}
interface FinalScan {
  status: string;
  verdict: string | null;
  results: { port: number; state: string; reason: string }[];
}

describe('the scanner’s own firewall, with and without the egress self-test', {
  concurrency: false,
}, () => {
  let client: Lab | undefined;
  let reference: Lab | undefined;
  before(async () => {
    if (!labSupport().ok) return;
    client = await createLab({ delayMs: 1 });
    reference = await createLab({ delayMs: 1 });
    await client.listen(BLOCKED_PORTS); // really open at the client
    await reference.acceptEveryPort();
    const destinations = [client.targetV4, client.targetV6, reference.targetV4, reference.targetV6];
    for (const [port, kind] of BLOCKED) await client.blockOnScannerSide([port], kind, destinations);
  });
  after(async () => {
    await client?.close();
    await reference?.close();
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family} control: without the self-test the blocked open ports read closed or filtered`, async (t) => {
      if (!requireLab(t) || !client) return;
      const address = family === 4 ? client.targetV4 : client.targetV6;
      const results = await scanAll({ address, family }, BLOCKED_PORTS);
      const seen = results.map((r) => `${r.port} ${r.state}/${r.reason}`);
      t.diagnostic(`core alone: ${seen.join(', ')}`);
      assert.ok(
        results.every((r) => r.state !== 'open'),
        'the scanner-side rules really block these open ports',
      );
    });

    it(`IPv${family}: with SELFSCAN_EGRESS_REFERENCE each blocked port is error/local-egress-blocked and the verdict incomplete`, async (t) => {
      if (!requireLab(t) || !client || !reference) return;
      const server = await startServerProcess({
        host: family === 4 ? client.scannerV4 : client.scannerV6,
        env: {
          SELFSCAN_MODE: 'local',
          SELFSCAN_LOG_LEVEL: 'warn',
          SELFSCAN_EGRESS_REFERENCE: `${reference.targetV4},${reference.targetV6}`,
        },
      });
      try {
        const ready = await jsonRequest({
          host: server.host,
          port: server.port,
          method: 'GET',
          path: '/readyz',
          timeoutMs: 10_000,
        });
        const body = ready.json as {
          status: string;
          egress: { family: number; blockedPorts: string[] }[];
        };
        const mine = body.egress.find((e) => e.family === family);
        assert.ok(mine, 'readyz reports the egress self-test');
        for (const p of BLOCKED_PORTS)
          assert.ok(
            mine.blockedPorts.some((range) => {
              const [lo, hi = lo] = range.split('-').map(Number);
              return p >= lo! && p <= hi!;
            }),
            `readyz lists ${p} as blocked: ${mine.blockedPorts.join(',')}`,
          );
        assert.equal(ready.status, 200, 'a partly blocked egress is reported, not fatal');

        const r = await client.execInTarget(
          httpClientCommand(server.baseUrl, ['--ports', PORTS.join(','), '--timeout-ms', '60000']),
          { timeoutMs: 70_000 },
        );
        assert.equal(r.code, 0, `client failed: ${r.stderr}\n${server.output()}`);
        const lines = r.stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as Line);
        const scan = lines.find((l) => l.step === 'final')?.scan as FinalScan | undefined;
        assert.ok(scan, 'final JSON');
        assert.equal(scan.status, 'done');
        assert.equal(scan.verdict, 'incomplete', 'never safe');
        for (const res of scan.results) {
          const want = BLOCKED_PORTS.includes(res.port)
            ? { state: 'error', reason: 'local-egress-blocked' }
            : { state: 'closed', reason: 'refused' };
          assert.deepEqual({ state: res.state, reason: res.reason }, want, `port ${res.port}`);
        }
      } finally {
        await server.stop();
      }
    });
  }

  it('public mode without SELFSCAN_EGRESS_REFERENCE refuses to start, saying why', async (t) => {
    if (!requireLab(t) || !client) return;
    await assert.rejects(
      startServerProcess({
        host: client.scannerV4,
        env: {
          SELFSCAN_MODE: 'public',
          SELFSCAN_CANARY: `${client.targetV4}:9`,
          SELFSCAN_IP_HMAC_KEY: 'k'.repeat(32),
        },
      }),
      /SELFSCAN_EGRESS_REFERENCE is required in public mode/,
    );
  });
});
