// Redis for tests: the shared server at SELFSCAN_TEST_REDIS_URL (default 127.0.0.1:6379) with a
// key prefix of the test's own, removed afterwards (other engineers use the same Redis), and
// private redis-server processes on other loopback ports for the fault tests.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from './server-process.js';

export const TEST_REDIS_URL = process.env.SELFSCAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether the test Redis answers; skips loudly (fails under CI=true) when it does not. */
export async function requireRedis(t: TestContext | undefined, url = TEST_REDIS_URL) {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    const why = `Redis not reachable at ${url}`;
    if (process.env.CI === 'true') throw new Error(`${why} under CI=true`);
    if (t) t.skip(`REDIS TEST SKIPPED: ${why}`);
    else console.error(`REDIS TEST SKIPPED: ${why}`);
    return false;
  } finally {
    r.disconnect();
  }
}

export const testPrefix = (what: string) => `sstest-${what}-${randomBytes(4).toString('hex')}`;

/** Deletes every key under `prefix` (SCAN, bounded). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  assert.ok(prefix.startsWith('sstest-'), 'only test prefixes are dropped');
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  try {
    let cursor = '0';
    for (let i = 0; i < 10_000; i++) {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await r.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    r.disconnect();
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts it (again) on the same port and data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** A redis-server of the test's own on 127.0.0.1 (never the shared one), AOF on so a restart
 *  keeps the queue, as docs/operations.md asks of production. */
export async function privateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 300 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`private redis-server on ${port} did not start`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
