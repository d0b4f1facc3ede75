// Redis connections and key names shared by the BullMQ queue, the worker, the live events and the
// vantage heartbeats. Every key and channel starts with the configured prefix.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  prefix: string;
}

/** A connection that fails fast while Redis is away (web requests answer 503 at once instead of
 *  queueing commands in memory), and reconnects in the background. */
export function fastFailRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** The connection BullMQ workers need (blocking commands; retried forever, BullMQ's checklist). */
export function workerRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** Resolves once the connection is ready; rejects after `timeoutMs`. */
export async function connected(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** BullMQ needs `noeviction` ("the only setting that guarantees the correct behavior"): an evicted
 *  job key is a diagnosis lost without a trace. Read from INFO (CONFIG may be disabled). */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== 'noeviction')
    throw new Error(
      `Redis maxmemory-policy is ${policy ?? 'unknown'}, not noeviction: queued diagnoses could be evicted. Set maxmemory-policy noeviction in redis.conf.`,
    );
}

/** The job id and channel name of a scan: a hash, so the scan id (the secret of its result page)
 *  is not spelled out in Redis key names. No ":" (BullMQ job ids must not contain one). */
export function scanRef(scanId: string): string {
  return createHash('sha256').update(scanId).digest('hex').slice(0, 32);
}

export const queueNameOf = (vantage: string) => `scan-${vantage}`;
export const eventsChannelOf = (prefix: string, scanId: string) =>
  `${prefix}:events:${scanRef(scanId)}`;
export const vantageKeyOf = (prefix: string, vantage: string) => `${prefix}:vantage:${vantage}`;
