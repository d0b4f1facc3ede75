// The service's life cycle with the real server as a child process (src/bin/server.ts) on
// 127.0.0.1, a SQLite file in a temp folder, and clients from other 127.0.0.x addresses
// (reliability-security.md §4.7, §6.2 F1–F3):
//   - SIGTERM mid-scan: the process exits 0 within SELFSCAN_SHUTDOWN_TIMEOUT_MS + a margin; a scan
//     that fits in the deadline ends `done`, one that does not (and one still queued) ends
//     `failed` / `interrupted` — never `queued` or `running` after a restart on the same database;
//   - kill -9 mid-scan: after a restart the scan is `failed` / `interrupted`, the results written
//     before the kill are still there, and the same requester can start a new scan (no stale 409).
// Slow scans come from loopback itself: one probe at a time (SELFSCAN_CONCURRENCY_PER_TARGET=1)
// over many closed ports. Traffic goes to 127.0.0.0/8 only.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type JsonReply,
  jsonRequest,
  type ServerProcess,
  startServerProcess,
} from '../helpers/server-process.js';

const HOST = '127.0.0.1';
const MARGIN_MS = 3000;

interface ResultJson {
  port: number;
  protocol: string;
  state: string;
  reason: string;
  ms: number;
}
interface ScanJson {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  error?: { code: string; message: string };
  verdict: string | null;
  total: number;
  results: ResultJson[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The server as a child process

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-lifecycle-'));
  dirs.push(dir);
  return dir;
}

async function startServer(dbDir: string, extra: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({
    host: HOST,
    dbDir,
    env: {
      SELFSCAN_MODE: 'local',
      SELFSCAN_LOG_LEVEL: 'warn',
      SELFSCAN_CONCURRENCY_PER_TARGET: '1',
      ...extra,
    },
  });
  const { child } = server;
  children.add(child);
  void server.exited.then(() => children.delete(child));
  return server;
}

async function stopServer(server: ServerProcess): Promise<void> {
  await server.stop('SIGTERM', 30_000);
}

// ---------------------------------------------------------------------------------------------
// A client from a chosen loopback address

function request(
  server: { port: number },
  from: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  return jsonRequest({
    host: HOST,
    port: server.port,
    from,
    method,
    path,
    body: options.body,
    headers: options.headers,
    timeoutMs: 10_000,
  });
}

async function startScan(server: ServerProcess, from: string, body: unknown): Promise<JsonReply> {
  const consent = await request(server, from, 'POST', '/api/v1/consent', {
    body: { accept: true },
  });
  assert.equal(consent.status, 200, JSON.stringify(consent.json));
  return request(server, from, 'POST', '/api/v1/scans', {
    body,
    headers: { 'selfscan-consent': consent.json.token },
  });
}

async function getScan(server: ServerProcess, id: string): Promise<ScanJson> {
  const r = await request(server, '127.0.0.1', 'GET', `/api/v1/scans/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as ScanJson;
}

/** Reads a scan's event stream until it closes (bounded); returns the `end` event's data. */
function watchEnd(server: ServerProcess, id: string, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.get({
      host: HOST,
      port: server.port,
      path: `/api/v1/scans/${id}/events`,
      agent: false,
      headers: { accept: 'text/event-stream' },
    });
    let text = '';
    const timer = setTimeout(() => req.destroy(), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const block = text.split('\n\n').find((b) => /^event: end$/m.test(b));
      const data = block && /^data: (.*)$/m.exec(block)?.[1];
      resolve(data ? JSON.parse(data) : undefined);
    };
    req.on('error', done);
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (d) => {
        if (text.length < 4 * 1024 * 1024) text += d;
      });
      res.on('end', done);
      res.on('error', done);
    });
  });
}

/** Polls until `ok(scan)` (bounded in count and time). */
async function waitFor(
  server: ServerProcess,
  id: string,
  ok: (s: ScanJson) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<ScanJson> {
  const deadline = Date.now() + timeoutMs;
  let last: ScanJson | undefined;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    last = await getScan(server, id);
    if (ok(last)) return last;
    await sleep(50);
  }
  throw new Error(
    `${what}: not reached within ${timeoutMs} ms (last: ${last?.status}, ${last?.results.length} results)`,
  );
}

/** SIGTERM, and how long the process took to exit, with its exit status. */
async function sigterm(server: ServerProcess) {
  const started = performance.now();
  const exit = await server.stop('SIGTERM', 60_000);
  return { ...exit, ms: performance.now() - started };
}

const ports = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/** Every result seen before must still be there, unchanged. */
function assertKept(before: ResultJson[], after: ResultJson[]): void {
  const now = new Map(after.map((r) => [r.port, r]));
  for (const r of before) assert.deepEqual(now.get(r.port), r, `result for port ${r.port} kept`);
  assert.equal(new Set(after.map((r) => r.port)).size, after.length, 'no port stored twice');
}

// ---------------------------------------------------------------------------------------------

describe('service life cycle: SIGTERM and kill -9 mid-scan, restart on the same database', {
  concurrency: false,
}, () => {
  it('SIGTERM with a long deadline: the running scan finishes (done), exit 0', {
    timeout: 90_000,
  }, async (t) => {
    const dir = tempDir();
    const deadlineMs = 20_000;
    const server = await startServer(dir, { SELFSCAN_SHUTDOWN_TIMEOUT_MS: String(deadlineMs) });
    const from = '127.0.0.41';
    // Long enough that the drain still runs 100 ms after SIGTERM (2000 loopback ports finished
    // within that once results stopped waiting on each write).
    const list = ports(30_001, 20_000);
    const accepted = await startScan(server, from, { ports: list });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    const id = accepted.json.id as string;
    const before = await waitFor(
      server,
      id,
      (s) => s.status === 'running' && s.results.length > 0,
      'scan running',
    );
    assert.ok(before.results.length < list.length, 'SIGTERM lands mid-scan');

    const signalled = sigterm(server);
    // While draining, the service takes no new scan: 503 with Retry-After (§4.7).
    await sleep(100);
    const during = await startScan(server, '127.0.0.42', { ports: [30_001] });
    assert.equal(during.status, 503, JSON.stringify(during.json));
    assert.equal(during.json.error.code, 'busy');
    assert.ok(during.headers['retry-after'], 'Retry-After');
    const exit = await signalled;
    assert.deepEqual([exit.code, exit.signal], [0, null], server.output());
    assert.ok(
      exit.ms <= deadlineMs + MARGIN_MS,
      `exited after ${Math.round(exit.ms)} ms (deadline ${deadlineMs} ms)`,
    );
    t.diagnostic(`SIGTERM → exit 0 after ${Math.round(exit.ms)} ms (scan drained to the end)`);

    const again = await startServer(dir, {});
    try {
      const scan = await getScan(again, id);
      assert.equal(scan.status, 'done', JSON.stringify(scan.error));
      assert.equal(scan.results.length, list.length);
      assert.notEqual(scan.verdict, null);
      assertKept(before.results, scan.results);
      assert.ok(
        !scan.results.some((r) => r.state === 'error'),
        'a drained scan has no untested port',
      );
    } finally {
      await stopServer(again);
    }
  });

  it('SIGTERM with a short deadline (500 ms): a slow scan and a queued one end failed/interrupted, exit 0', {
    timeout: 90_000,
  }, async (t) => {
    const dir = tempDir();
    const deadlineMs = 500;
    const server = await startServer(dir, {
      SELFSCAN_SHUTDOWN_TIMEOUT_MS: String(deadlineMs),
      SELFSCAN_SCAN_CONCURRENCY: '1', // the second scan waits in the queue
    });
    const slow = await startScan(server, '127.0.0.43', { preset: 'all' });
    assert.equal(slow.status, 202, JSON.stringify(slow.json));
    const queued = await startScan(server, '127.0.0.44', { ports: [30_001, 30_002] });
    assert.equal(queued.status, 202, JSON.stringify(queued.json));
    const before = await waitFor(
      server,
      slow.json.id,
      (s) => s.status === 'running' && s.results.length >= 20,
      'slow scan running',
    );
    assert.equal((await getScan(server, queued.json.id)).status, 'queued');
    // A result page left open during the restart: its stream ends with the failure, and does not
    // hold the shutdown up.
    const watching = watchEnd(server, slow.json.id);
    await sleep(200);

    const exit = await sigterm(server);
    assert.deepEqual([exit.code, exit.signal], [0, null], server.output());
    assert.ok(
      exit.ms <= deadlineMs + MARGIN_MS,
      `exited after ${Math.round(exit.ms)} ms (deadline ${deadlineMs} ms)`,
    );
    t.diagnostic(`SIGTERM → exit 0 after ${Math.round(exit.ms)} ms (deadline ${deadlineMs} ms)`);
    assert.deepEqual(await watching, { status: 'failed', verdict: null });

    const again = await startServer(dir, {});
    try {
      const s = await getScan(again, slow.json.id);
      assert.equal(s.status, 'failed');
      assert.equal(s.error?.code, 'interrupted');
      assert.equal(s.verdict, null);
      assert.ok(s.results.length >= before.results.length && s.results.length < s.total);
      assertKept(before.results, s.results);
      assert.ok(
        !s.results.some((r) => r.reason === 'not-tested'),
        'ports cut off by the deadline are not stored as results',
      );
      const q = await getScan(again, queued.json.id);
      assert.equal(q.status, 'failed');
      assert.equal(q.error?.code, 'interrupted');
      assert.equal(q.results.length, 0);
      // Both requesters may start again.
      for (const from of ['127.0.0.43', '127.0.0.44']) {
        const next = await startScan(again, from, { ports: [30_001] });
        assert.equal(next.status, 202, `${from}: ${JSON.stringify(next.json)}`);
        await waitFor(again, next.json.id, (x) => x.status === 'done', 'new scan done');
      }
    } finally {
      await stopServer(again);
    }
  });

  it('kill -9 mid-scan: after a restart the scan is failed/interrupted, partial results kept, a new scan is accepted', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir();
    const server = await startServer(dir, {});
    const from = '127.0.0.45';
    const accepted = await startScan(server, from, { preset: 'all' });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    const id = accepted.json.id as string;
    const before = await waitFor(
      server,
      id,
      (s) => s.status === 'running' && s.results.length >= 50,
      'scan running',
    );
    const exit = await server.kill();
    assert.equal(exit.signal, 'SIGKILL');

    const again = await startServer(dir, {});
    try {
      const scan = await getScan(again, id);
      assert.equal(scan.status, 'failed');
      assert.equal(scan.error?.code, 'interrupted');
      assert.equal(scan.verdict, null);
      assert.equal(scan.total, 65_535);
      assert.ok(scan.results.length >= before.results.length && scan.results.length < 65_535);
      assertKept(before.results, scan.results);

      // The same requester: no stale "scan in progress".
      const next = await startScan(again, from, { ports: ports(30_001, 20) });
      assert.equal(next.status, 202, JSON.stringify(next.json));
      const done = await waitFor(again, next.json.id, (s) => s.status === 'done', 'new scan done');
      assert.equal(done.results.length, 20);
    } finally {
      await stopServer(again);
    }
  });
});
