// Between a running scan and the store: results are handed over without waiting on each write
// and written in batches (one transaction each, Store.appendResults) when a batch is full or the
// oldest buffered result has waited `maxDelayMs`. One write at a time, so seq follows the order of
// arrival. The buffer is bounded: above `highWater` results, add() waits for a write to make room
// (the scan core then buffers up to its own readyHighWater and stops launching probes).
import type { PortResult } from '../core/port-state.js';
import type { StoredResult } from '../store/store.js';

export interface ResultWriterOptions {
  /** Results per write (one transaction). */
  batchSize: number;
  /** Longest a result waits in the buffer while no write is running. */
  maxDelayMs: number;
  /** Buffered results at which add() waits (memory bound: ~100 bytes a result). */
  highWater: number;
}

/** 500 / 50 ms measured (docs/benchmarks.md "Result writer"): a 500-row SQLite transaction takes
 *  about 2–4 ms, so the event loop never stalls long, and 65 535 results need 132 writes. */
export const DEFAULT_WRITER_OPTIONS: ResultWriterOptions = {
  batchSize: 500,
  maxDelayMs: 50,
  highWater: 8192,
};

export type WriteBatch = (results: PortResult[]) => Promise<StoredResult[]>;
/** After each successful write: the rows it stored (in seq order) and how many it was given. */
export type OnWritten = (stored: StoredResult[], given: number) => void;

export class ResultWriter {
  readonly #write: WriteBatch;
  readonly #onWritten: OnWritten;
  readonly #options: ResultWriterOptions;
  #pending: PortResult[] = [];
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The timer fired or flush() was called: write what is pending even if the batch is short. */
  #due = false;
  #failure: { error: unknown } | undefined;

  constructor(write: WriteBatch, onWritten: OnWritten, options: Partial<ResultWriterOptions> = {}) {
    this.#write = write;
    this.#onWritten = onWritten;
    this.#options = { ...DEFAULT_WRITER_OPTIONS, ...options };
  }

  /** Buffers one result. Resolves at once unless the buffer is at its high-water mark; rejects
   *  with the error of a failed write (nothing more is written after one fails). */
  async add(result: PortResult): Promise<void> {
    this.#throwIfFailed();
    this.#pending.push(result);
    if (this.#pending.length >= this.#options.batchSize) this.#start();
    else this.#timer ??= setTimeout(this.#onTimer, this.#options.maxDelayMs);
    while (this.#pending.length >= this.#options.highWater && this.#failure === undefined) {
      this.#start();
      await this.#writing;
    }
    this.#throwIfFailed();
  }

  /** Writes everything buffered; resolves when it is stored (rejects if a write failed). */
  async flush(): Promise<void> {
    while (this.#failure === undefined && (this.#pending.length > 0 || this.#writing)) {
      this.#due = true;
      this.#start();
      await this.#writing;
    }
    this.#clearTimer();
    this.#throwIfFailed();
  }

  /** Results handed over and not yet stored. */
  get buffered(): number {
    return this.#pending.length;
  }

  #onTimer = () => {
    this.#timer = undefined;
    this.#due = true;
    this.#start();
  };

  #start(): void {
    if (this.#writing || this.#pending.length === 0 || this.#failure) return;
    this.#clearTimer();
    this.#writing = this.#run().finally(() => {
      this.#writing = undefined;
      // What arrived during the last write waits at most maxDelayMs from now.
      if (this.#pending.length > 0 && this.#failure === undefined)
        this.#timer ??= setTimeout(this.#onTimer, this.#options.maxDelayMs);
    });
  }

  async #run(): Promise<void> {
    try {
      while (
        this.#pending.length >= this.#options.batchSize ||
        (this.#due && this.#pending.length > 0)
      ) {
        this.#due = false;
        const batch = this.#pending.splice(0, this.#options.batchSize);
        const stored = await this.#write(batch);
        this.#onWritten(stored, batch.length);
      }
    } catch (error) {
      this.#failure = { error };
      this.#pending = [];
    }
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
