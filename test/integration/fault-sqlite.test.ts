// SQLite faults with real files (issue 14): the database on a small tmpfs this test mounts,
// filled mid-scan and freed again; the database file deleted while the service runs. Every
// diagnosis must end, /readyz must say 503 while writes cannot land and 200 after, new
// diagnoses answer 503 (not 500), and nothing is half-written. Needs root (mount).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  assertCanScanAgain,
  assertWhole,
  readyz,
  requireRoot,
  startSlowScan,
  waitTerminal,
} from '../helpers/faults.js';
import { assertError, startTestService } from '../helpers/service.js';

/** Writes until the disk is full (ENOSPC); returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // the last partial block
  const small = Buffer.alloc(512, 1);
  const fd2 = openSync(path, 'a');
  try {
    for (;;) written += writeSync(fd2, small);
  } catch {
    // full
  } finally {
    closeSync(fd2);
  }
  return written;
}

test('SQLite on a full tmpfs mid-scan: 503 while full, every diagnosis ends after it is freed, no stale 409', async (t) => {
  if (!requireRoot(t, 'mounting a tmpfs')) return;
  const mnt = mkdtempSync(join(tmpdir(), 'selfscan-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
  t.after(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const s = await startTestService({
    SELFSCAN_DATABASE_URL: `sqlite:${join(mnt, 'db.sqlite')}`,
    SELFSCAN_CONCURRENCY_PER_TARGET: '1',
  });
  t.after(() => s.close());
  assert.equal((await readyz(s)).status, 200);

  const from = '127.0.0.71';
  const id = await startSlowScan(s, from, 4000, 100);
  const filler = join(mnt, 'filler');
  const filled = fill(filler);
  t.diagnostic(`filler: ${filled} bytes; the disk is full`);

  // While full: not ready, and a new diagnosis is a clear 503 (no consent row, no scan row).
  const broken = await readyz(s);
  assert.equal(broken.status, 503, JSON.stringify(broken.body));
  assert.match(broken.body.checks.database ?? '', /full/);
  const refused = await s.request({
    from: '127.0.0.72',
    method: 'POST',
    path: '/api/v1/consent',
    body: { accept: true },
  });
  assertError(refused, 503, 'database_unavailable');
  assert.ok(refused.headers['retry-after']);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const during = await s.request({ from, path: `/api/v1/scans/${id}` });
  assert.equal(during.json.status, 'running', 'the scan waits for the disk, it does not end');

  unlinkSync(filler);
  const freedAt = Date.now();
  const { scan, ms } = await waitTerminal(s, id, 60_000);
  t.diagnostic(
    `scan ${scan.status} ${ms} ms after the disk was freed (${scan.results.length}/${scan.total})`,
  );
  assertWhole(scan);
  assert.ok(Date.now() - freedAt < 60_000);
  assert.equal((await readyz(s)).status, 200);
  await assertCanScanAgain(s, from);
  await assertCanScanAgain(s, '127.0.0.72');
});

test('SQLite file deleted while running: /readyz 503 and new diagnoses 503, not lost writes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-lost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'db.sqlite');
  const s = await startTestService({ SELFSCAN_DATABASE_URL: `sqlite:${file}` });
  t.after(() => s.close());
  assert.equal((await readyz(s)).status, 200);
  unlinkSync(file);
  const broken = await readyz(s);
  assert.equal(broken.status, 503);
  assert.match(broken.body.checks.database ?? '', /deleted/);
  const res = await s.request({
    from: '127.0.0.73',
    method: 'POST',
    path: '/api/v1/consent',
    body: { accept: true },
  });
  assertError(res, 503, 'database_unavailable');
});
