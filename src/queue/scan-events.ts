// Live events of running scans, beside the queue (scan-queue.ts): the job publishes, SSE streams
// subscribe. One `results` event per write of the result writer (a batch with its seq range), one
// `end`. Delivery is best effort: a subscriber that sees a gap in seq reads it from the store.
// In-process implementation here; one across machines (Redis) comes with scale-out.
import { EventEmitter } from 'node:events';
import type { Verdict } from '../core/port-state.js';
import type { ScanStatus, StoredResult } from '../store/store.js';

export type ScanEvent =
  | {
      type: 'results';
      /** seq of results[0] and of the last result: consecutive, already stored. */
      firstSeq: number;
      lastSeq: number;
      results: StoredResult[];
    }
  | { type: 'end'; status: Exclude<ScanStatus, 'queued' | 'running'>; verdict: Verdict | null };

export type Unsubscribe = (() => void) & { ready?: Promise<void> };

export interface ScanEvents {
  publish(scanId: string, event: ScanEvent): void;
  /** Live events of one scan; returns the unsubscribe function. Where subscribing takes a round
   *  trip (Redis), `ready` resolves once events are delivered: read the store after it. */
  subscribe(scanId: string, listener: (event: ScanEvent) => void): Unsubscribe;
}

export class InProcessScanEvents implements ScanEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(scanId: string, event: ScanEvent): void {
    this.#emitter.emit(scanId, event);
  }

  subscribe(scanId: string, listener: (event: ScanEvent) => void): () => void {
    this.#emitter.on(scanId, listener);
    return () => this.#emitter.off(scanId, listener);
  }
}
