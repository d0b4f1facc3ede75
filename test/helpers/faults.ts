// Shared by the database fault tests: a slow scan to break mid-way, and the checks that every
// diagnosis ended and nothing is half-written. Traffic goes to 127.0.0.0/8 only.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { closedPorts, type ScanJson, sleep, type TestService } from './service.js';

/** Root is needed to mount a tmpfs or run a private PostgreSQL as another user. */
export function requireRoot(t: TestContext, what: string): boolean {
  if (process.getuid?.() === 0) return true;
  const why = `${what} needs root`;
  if (process.env.CI === 'true') throw new Error(`${why} under CI=true`);
  t.skip(`FAULT TEST SKIPPED: ${why}`);
  return false;
}

/** Starts a scan of `count` closed ports on `from` (one probe at a time: it takes a while) and
 *  waits until at least `progress` results are stored. */
export async function startSlowScan(
  s: TestService,
  from: string,
  count: number,
  progress: number,
): Promise<string> {
  const ports = await closedPorts(from, count, 20_000);
  const res = await s.scan(from, { ports });
  assert.equal(res.status, 202, res.text);
  const id = res.json.id as string;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const scan = (await s.request({ from, path: `/api/v1/scans/${id}` })).json as ScanJson;
    if (scan.results.length >= progress) return id;
    assert.ok(scan.status === 'queued' || scan.status === 'running', `scan ended: ${scan.status}`);
    assert.ok(Date.now() < deadline, 'scan made no progress');
    await sleep(20);
  }
}

/** Polls until the scan is done or failed; returns it and how long that took. */
export async function waitTerminal(
  s: TestService,
  id: string,
  timeoutMs: number,
): Promise<{ scan: ScanJson; ms: number }> {
  const started = Date.now();
  for (;;) {
    const res = await s.request({ from: '127.0.0.1', path: `/api/v1/scans/${id}` });
    if (res.status === 200 && (res.json.status === 'done' || res.json.status === 'failed'))
      return { scan: res.json as ScanJson, ms: Date.now() - started };
    assert.ok(
      Date.now() - started < timeoutMs,
      `scan ${id} not terminal after ${timeoutMs} ms (${res.status} ${res.json?.status})`,
    );
    await sleep(200);
  }
}

/** Nothing half-written: each port stored once, no more results than planned; a done scan has
 *  every planned port, a failed one says why. */
export function assertWhole(scan: ScanJson): void {
  const ports = new Set<number>();
  for (const r of scan.results) {
    assert.ok(!ports.has(r.port), `port ${r.port} stored twice`);
    ports.add(r.port);
  }
  assert.ok(scan.results.length <= scan.total);
  if (scan.status === 'done') assert.equal(scan.results.length, scan.total);
  else assert.ok(scan.error, 'a failed scan says why');
}

/** GET /readyz → status code and body. */
export async function readyz(s: TestService) {
  const res = await s.request({ from: '127.0.0.1', path: '/readyz' });
  return {
    status: res.status,
    body: res.json as { status: string; checks: Record<string, string> },
  };
}

/** Consent + scan from `from` answers 202 (no stale 409), and that scan ends. */
export async function assertCanScanAgain(s: TestService, from: string): Promise<void> {
  const ports = await closedPorts(from, 3, 21_000);
  const res = await s.scan(from, { ports });
  assert.equal(res.status, 202, `new scan after recovery: ${res.text}`);
  const { scan } = await waitTerminal(s, res.json.id, 30_000);
  assert.equal(scan.status, 'done');
}
