// A whole diagnosis as a user runs it, end to end over real sockets: the real server
// (src/bin/server.ts, a child process) in the root namespace listening on the lab's scanner
// address, the client (test/helpers/http-client.mjs) inside the target namespace, so the server
// sees the namespace's address as the requester and scans it through real listeners and nftables
// rules. Every port's state AND reason is checked against that ground truth, live over SSE and in
// the final JSON, on IPv4 and IPv6; and a reload mid-scan (Last-Event-ID) loses and repeats
// nothing. Needs root (skips loudly otherwise, fails under CI=true).
//
// Traffic: only to the lab's addresses (198.18.0.0/15, 2001:2::/48) inside namespaces it creates.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, httpClientCommand, type Lab, labSupport, requireLab } from '../helpers/lab.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const OPEN = [22, 445, 3389, 8080];
const CLOSED = [23, 139, 5900];
const DROPPED = [135, 1433];
const REJECTED = [2323, 5555];
const BASIC = [...OPEN, ...CLOSED, ...DROPPED, ...REJECTED].sort((a, b) => a - b);

// The long scan for the reload case: 340 ports, every 8th one dropped (43 silent ports, each held
// for two tries of ≥ 250 ms by one of 4 slots) → several seconds, so the stream can be cut mid-scan.
const LONG_RANGE = Array.from({ length: 340 }, (_, i) => 20001 + i);
const LONG_DROPPED = LONG_RANGE.filter((_, i) => i % 8 === 3);
const LONG = [...BASIC, ...LONG_RANGE];
const DISCONNECT_AFTER = 40;

type Expected = { state: string; reason: string };
function expected(port: number): Expected {
  if (OPEN.includes(port)) return { state: 'open', reason: 'syn-ack' };
  if (DROPPED.includes(port) || LONG_DROPPED.includes(port))
    return { state: 'filtered', reason: 'timeout' };
  if (REJECTED.includes(port)) return { state: 'filtered', reason: 'host-unreachable' };
  return { state: 'closed', reason: 'refused' };
}

const SERVER_ENV = {
  SELFSCAN_MODE: 'local',
  SELFSCAN_LOG_LEVEL: 'warn',
  SELFSCAN_CONCURRENCY_PER_TARGET: '4',
  SELFSCAN_PROBE_TIMEOUT_MIN_MS: '250',
  SELFSCAN_SHUTDOWN_TIMEOUT_MS: '2000',
};

// ---------------------------------------------------------------------------------------------
// The client inside the target namespace

interface ClientLine {
  step: string;
  [key: string]: unknown;
}
interface ResultData {
  port: number;
  protocol: string;
  state: string;
  reason: string;
  ms: number;
}
interface EventLine extends ClientLine {
  conn: number;
  id?: string;
  event: string;
  data: unknown;
}

async function runClient(
  lab: Lab,
  server: ServerProcess,
  ports: number[],
  extra: string[] = [],
): Promise<ClientLine[]> {
  const r = await lab.execInTarget(
    httpClientCommand(server.baseUrl, [
      '--ports',
      ports.join(','),
      '--timeout-ms',
      '90000',
      ...extra,
    ]),
    { timeoutMs: 100_000 },
  );
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ClientLine);
  const error = lines.find((l) => l.step === 'error');
  assert.equal(
    r.code,
    0,
    `client failed: ${error ? String(error.message) : r.stderr}\nserver: ${server.output()}`,
  );
  return lines;
}

function checkResult(r: ResultData, where: string): void {
  assert.deepEqual(
    { state: r.state, reason: r.reason },
    expected(r.port),
    `${where}: port ${r.port} is ${r.state}/${r.reason}`,
  );
  assert.equal(r.protocol, 'tcp', `${where}: port ${r.port} protocol`);
  assert.ok(Number.isInteger(r.ms) && r.ms >= 0, `${where}: port ${r.port} ms ${r.ms}`);
}

interface FinalScan {
  status: string;
  verdict: string | null;
  family: number;
  address: string;
  total: number;
  results: ResultData[];
}

/** Every port exactly once, in the events and in the final JSON, each state and reason right. */
function checkDiagnosis(lines: ClientLine[], ports: number[], family: 4 | 6, address: string) {
  assert.equal(lines[0]?.step, 'consent');
  assert.equal(lines[0]?.status, 200);
  assert.equal(lines[1]?.step, 'accepted');
  assert.equal(lines[1]?.status, 202);

  const events = lines.filter((l): l is EventLine => l.step === 'event');
  const results = events.filter((e) => e.event === 'result');
  const ends = events.filter((e) => e.event === 'end');
  assert.equal(ends.length, 1, 'exactly one end event');
  assert.equal(events.at(-1)?.event, 'end', 'end comes last');
  assert.deepEqual(ends[0]?.data, { status: 'done', verdict: 'exposed' });

  // ids 1..n, each once, in order: a reconnect resumes right after the last id it saw.
  assert.deepEqual(
    results.map((e) => e.id),
    ports.map((_, i) => String(i + 1)),
    'result ids are 1..n, none lost, none repeated',
  );
  const seen = new Map<number, ResultData>();
  for (const e of results) {
    const r = e.data as ResultData;
    assert.ok(!seen.has(r.port), `port ${r.port} streamed twice`);
    seen.set(r.port, r);
    checkResult(r, 'SSE');
  }
  assert.deepEqual(
    [...seen.keys()].sort((a, b) => a - b),
    [...ports].sort((a, b) => a - b),
    'every requested port streamed exactly once',
  );

  const final = lines.find((l) => l.step === 'final');
  assert.ok(final, 'final JSON');
  assert.equal(final.status, 200);
  const scan = final.scan as FinalScan;
  assert.equal(scan.status, 'done');
  assert.equal(scan.verdict, 'exposed');
  assert.equal(scan.family, family);
  assert.equal(scan.address, address);
  assert.equal(scan.total, ports.length);
  assert.equal(scan.results.length, ports.length);
  for (const r of scan.results) {
    checkResult(r, 'final JSON');
    assert.deepEqual(r, seen.get(r.port), `port ${r.port}: final JSON equals the streamed result`);
  }
  return { events, results };
}

// ---------------------------------------------------------------------------------------------

describe('a full diagnosis through the real server, client in the lab namespace', {
  concurrency: false,
}, () => {
  let lab: Lab | undefined;
  const dirs: string[] = [];
  before(async () => {
    if (!labSupport().ok) return;
    // 1 ms each way: over a zero-delay veth an ICMPv6 error can arrive while connect() holds the
    // socket lock and then reads as a timeout (see scan-lab.test.ts).
    lab = await createLab({ delayMs: 1 });
    await lab.listen(OPEN);
    await lab.drop([...DROPPED, ...LONG_DROPPED]);
    await lab.reject(REJECTED, 'admin-prohibited');
  });
  after(async () => {
    await lab?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const family of [4, 6] as const) {
    describe(`IPv${family}`, { concurrency: false }, () => {
      let server: ServerProcess | undefined;
      before(async () => {
        if (!lab) return;
        const dir = mkdtempSync(join(tmpdir(), 'selfscan-labdiag-'));
        dirs.push(dir);
        server = await startServerProcess({
          host: family === 4 ? lab.scannerV4 : lab.scannerV6,
          dbDir: dir,
          env: SERVER_ENV,
        });
      });
      after(async () => server?.stop());

      it('every state and reason right, live over SSE and in the final JSON', {
        timeout: 120_000,
      }, async (t) => {
        if (!requireLab(t) || !lab || !server) return;
        const address = family === 4 ? lab.targetV4 : lab.targetV6;
        const lines = await runClient(lab, server, BASIC);
        const { results } = checkDiagnosis(lines, BASIC, family, address);
        assert.ok(
          results.every((e) => e.conn === 1),
          'one connection, no reconnect',
        );
      });

      it('a reload mid-scan resumes with Last-Event-ID: no event lost, none repeated', {
        timeout: 120_000,
      }, async (t) => {
        if (!requireLab(t) || !lab || !server) return;
        const address = family === 4 ? lab.targetV4 : lab.targetV6;
        const started = performance.now();
        const lines = await runClient(lab, server, LONG, [
          '--disconnect-after',
          String(DISCONNECT_AFTER),
          '--pause-ms',
          '500',
        ]);
        const wall = performance.now() - started;
        const { results } = checkDiagnosis(lines, LONG, family, address);

        const cut = lines.find((l) => l.step === 'disconnect');
        assert.ok(cut, 'the client disconnected');
        assert.equal(cut.after, DISCONNECT_AFTER);
        assert.equal(cut.lastEventId, String(DISCONNECT_AFTER));
        assert.equal(
          cut.statusAtDisconnect,
          'running',
          'the stream was cut in the middle of the scan',
        );
        const stored = Number(cut.stored);
        assert.ok(stored < LONG.length, `only ${stored} of ${LONG.length} stored at the cut`);

        const reconnects = lines.filter((l) => l.step === 'reconnect');
        assert.equal(reconnects.length, 1, 'one reconnect');
        assert.equal(reconnects[0]?.lastEventId, String(DISCONNECT_AFTER));
        const first = results.filter((e) => e.conn === 1);
        const second = results.filter((e) => e.conn === 2);
        assert.equal(first.length, DISCONNECT_AFTER);
        assert.equal(second.length, LONG.length - DISCONNECT_AFTER);
        assert.equal(second[0]?.id, String(DISCONNECT_AFTER + 1));
        t.diagnostic(
          `IPv${family}: ${LONG.length} ports in ${Math.round(wall)} ms; cut after ${DISCONNECT_AFTER} events with ${stored} stored; resumed from ${DISCONNECT_AFTER + 1}`,
        );
      });
    });
  }
});
