// Which scanner workers are alive, per vantage point: each worker refreshes its member of a sorted
// set (score = when it stops counting) every HEARTBEAT_MS; a web node counts the members not yet
// expired. No worker alive for a vantage → scan starts answer 503 scanner_unhealthy at once.
import type { Redis } from 'ioredis';
import { vantageKeyOf } from './redis.js';

export const HEARTBEAT_MS = 2000;
/** A worker silent for this long counts as gone (three missed beats). */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS;

export interface VantageStatus {
  vantage: string;
  workers: number;
}

/** The worker side: announces itself while `healthy()` says so (its canary). */
export function startHeartbeat(o: {
  redis: Redis;
  prefix: string;
  vantage: string;
  workerId: string;
  healthy: () => boolean;
  now?: () => number;
}): { beat(): Promise<void>; stop(): Promise<void> } {
  const now = o.now ?? Date.now;
  const key = vantageKeyOf(o.prefix, o.vantage);
  const beat = async () => {
    if (!o.healthy()) {
      await o.redis.zrem(key, o.workerId);
      return;
    }
    const t = now();
    await o.redis
      .multi()
      .zadd(key, t + HEARTBEAT_TTL_MS, o.workerId)
      .zremrangebyscore(key, '-inf', t)
      .pexpire(key, HEARTBEAT_TTL_MS * 10)
      .exec();
  };
  const timer = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  timer.unref();
  return {
    beat,
    stop: async () => {
      clearInterval(timer);
      await o.redis.zrem(key, o.workerId).catch(() => undefined);
    },
  };
}

/** The web side: a cached view refreshed every HEARTBEAT_MS / 2 (scan starts read it without a
 *  round trip). While Redis does not answer, every vantage counts as down. */
export class VantageMonitor {
  #status: VantageStatus[];
  #error: string | undefined = 'not checked yet';
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly vantages: readonly string[],
  ) {
    this.#status = vantages.map((vantage) => ({ vantage, workers: 0 }));
  }

  async refresh(): Promise<void> {
    try {
      const t = Date.now();
      const counts = await Promise.all(
        this.vantages.map((v) => this.redis.zcount(vantageKeyOf(this.prefix, v), `(${t}`, '+inf')),
      );
      this.#status = this.vantages.map((vantage, i) => ({ vantage, workers: counts[i] ?? 0 }));
      this.#error = undefined;
    } catch (err) {
      this.#status = this.vantages.map((vantage) => ({ vantage, workers: 0 }));
      this.#error = `Redis: ${(err as Error).message}`;
    }
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), HEARTBEAT_MS / 2);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  status(): VantageStatus[] {
    return this.#status;
  }

  /** Healthy when every configured vantage has a live worker. */
  health(): { healthy: boolean; detail: string } {
    if (this.#error) return { healthy: false, detail: this.#error };
    const down = this.#status.filter((s) => s.workers === 0).map((s) => s.vantage);
    return down.length === 0
      ? {
          healthy: true,
          detail: this.#status.map((s) => `${s.vantage}: ${s.workers} worker(s)`).join(', '),
        }
      : { healthy: false, detail: `no scanner worker alive for vantage ${down.join(', ')}` };
  }
}
