// ScanEvents across nodes: Redis pub/sub, one channel per scan (named by a hash of its id). The
// worker that runs a scan publishes; every web node with a live stream of that scan subscribes
// while the stream is open. Best effort like the in-process events: a stream that misses a
// message (subscribing, Redis restarting) fills the gap from the store and re-reads the scan row
// when no event comes (live-stream.ts), so nothing is lost, only later.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { eventsChannelOf } from './redis.js';
import type { ScanEvent, ScanEvents, Unsubscribe } from './scan-events.js';

export class RedisScanEvents implements ScanEvents {
  readonly #emitter = new EventEmitter();
  readonly #pub: Redis;
  readonly #sub: Redis | undefined;
  readonly #prefix: string;
  readonly #pending = new Map<string, Promise<void>>();

  /** `sub` (a dedicated connection, it enters subscriber mode) only where streams are served:
   *  a worker publishes only. */
  constructor(o: { pub: Redis; sub?: Redis; prefix: string }) {
    this.#pub = o.pub;
    this.#sub = o.sub;
    this.#prefix = o.prefix;
    this.#emitter.setMaxListeners(0);
    this.#sub?.on('message', (channel: string, message: string) => {
      if (this.#emitter.listenerCount(channel) === 0) return;
      let event: ScanEvent;
      try {
        event = JSON.parse(message) as ScanEvent;
      } catch {
        return;
      }
      this.#emitter.emit(channel, event);
    });
  }

  publish(scanId: string, event: ScanEvent): void {
    this.#pub
      .publish(eventsChannelOf(this.#prefix, scanId), JSON.stringify(event))
      .catch(() => undefined); // best effort: readers catch up from the store
  }

  subscribe(scanId: string, listener: (event: ScanEvent) => void): Unsubscribe {
    const sub = this.#sub;
    if (!sub) throw new Error('RedisScanEvents: no subscriber connection');
    const channel = eventsChannelOf(this.#prefix, scanId);
    // One SUBSCRIBE per channel; later listeners wait for the same acknowledgement.
    let ready = this.#pending.get(channel);
    if (this.#emitter.listenerCount(channel) === 0 || !ready) {
      ready = sub.subscribe(channel).then(
        () => undefined,
        () => undefined, // Redis away: the stream re-reads the store (live-stream.ts)
      );
      this.#pending.set(channel, ready);
    }
    this.#emitter.on(channel, listener);
    const unsubscribe = () => {
      this.#emitter.off(channel, listener);
      if (this.#emitter.listenerCount(channel) === 0) {
        this.#pending.delete(channel);
        sub.unsubscribe(channel).catch(() => undefined);
      }
    };
    return Object.assign(unsubscribe, { ready });
  }
}
