// One live result stream (SSE, PRODUCT.md "JSON API"): stored results after Last-Event-ID, then
// each batch event of the job as one write of its `result` frames, then `end`. The store is read
// only to fill a gap (the start, a reconnect, an event that came while a read ran); live events
// that arrive meanwhile are only noted, never queued, so a connection holds at most one page of
// rows and what its socket has not sent. Catching up waits for the client; a live batch that
// finds more than `bufferBytes` still unsent disconnects the client instead (one batch more at
// most is held); it resumes with Last-Event-ID from the store.
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { Finding } from '../core/findings.js';
import type { PortResult } from '../core/port-state.js';
import type { ScanEvent, ScanEvents } from '../queue/scan-events.js';
import type { ScanHeader, Store, StoredResult } from '../store/store.js';
import { ApiError } from './errors.js';

/** Rows per store read while catching up. */
const PAGE = 1000;
/** A client catching up that takes nothing for this long is disconnected. */
const DRAIN_TIMEOUT_MS = 10_000;
/** With no event for this long, the scan row is re-read (a scan can end on another node). */
const POLL_MS = 5000;

export const resultJson = (r: PortResult) => ({
  port: r.port,
  protocol: r.protocol,
  state: r.state,
  reason: r.reason,
  ms: r.ms,
});

export const findingJson = (f: Finding) => ({
  port: f.port,
  protocol: f.protocol,
  id: f.id,
  severity: f.severity,
  detail: f.detail,
});

/** The wire format @fastify/sse wrote for each message, kept byte for byte; every result names
 *  the address family of its target (issue 15). */
const resultFrame = (r: StoredResult, family: 4 | 6 | undefined) =>
  `id: ${r.seq}\nevent: result\ndata: ${JSON.stringify(family ? { ...resultJson(r), family } : resultJson(r))}\n\n`;
const findingFrame = (f: Finding) => `event: finding\ndata: ${JSON.stringify(findingJson(f))}\n\n`;
const endFrame = (end: End) => `event: end\ndata: ${JSON.stringify(end)}\n\n`;

type End = { status: 'done' | 'failed'; verdict: ScanHeader['verdict'] };
type ResultsEvent = Extract<ScanEvent, { type: 'results' }>;

/** The frames of one batch, formatted once however many streams write them. */
const framesCache = new WeakMap<ResultsEvent, string>();
function framesOf(event: ResultsEvent, family: 4 | 6 | undefined): string {
  let text = framesCache.get(event);
  if (text === undefined) {
    text = event.results.map((r) => resultFrame(r, family)).join('');
    framesCache.set(event, text);
  }
  return text;
}

interface SseReply {
  sse: { sendHeaders(): void };
}

export interface LiveStreamOptions {
  store: Pick<Store, 'getScanHeader' | 'resultsAfter' | 'findingsOf'>;
  events: ScanEvents;
  scanId: string;
  /** Last-Event-ID (0 = from the start). */
  after: number;
  /** The scan's address family, written into every result. */
  family?: 4 | 6;
  /** Families the diagnosis could not test: then `end` never says safe (issue 15). */
  untested?: readonly unknown[];
  bufferBytes: number;
  log: FastifyBaseLogger;
}

/** Streams until `end` is written or the client is gone. */
export function streamLive(reply: FastifyReply, o: LiveStreamOptions): Promise<void> {
  const raw = reply.raw;
  let last = o.after;
  /** Highest seq an event announced that the stream has not written yet. */
  let announced = 0;
  let ended: End | undefined;
  let reading = false;
  let finished = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearInterval(poll);
    resolveDone();
  };

  /** A live batch: written unless the client still has more than bufferBytes unsent. */
  const writeLive = (text: string) => {
    if (raw.writableLength > o.bufferBytes) {
      o.log.info({ buffered: raw.writableLength }, 'live stream client fell behind; disconnected');
      raw.destroy();
      finish();
      return false;
    }
    raw.write(text);
    return true;
  };
  /** Waits until the client has taken most of what was written; one that takes nothing for
   *  DRAIN_TIMEOUT_MS is disconnected (it resumes with Last-Event-ID). */
  const drained = () =>
    finished || raw.writableLength <= o.bufferBytes / 2
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const go = () => {
            clearTimeout(timer);
            raw.off('drain', go);
            raw.off('close', go);
            resolve();
          };
          const timer = setTimeout(() => {
            o.log.info('live stream client read nothing while catching up; disconnected');
            raw.destroy();
            finish();
            go();
          }, DRAIN_TIMEOUT_MS);
          raw.on('drain', go);
          raw.on('close', go);
        });

  /** Writes what the store has after `last`, then `end` if the scan ended. One at a time. */
  const catchUp = async () => {
    if (reading || finished) return;
    reading = true;
    try {
      for (;;) {
        const rows = await o.store.resultsAfter(o.scanId, last, PAGE);
        if (finished) return;
        const lastRow = rows.at(-1);
        if (lastRow) {
          raw.write(rows.map((r) => resultFrame(r, o.family)).join(''));
          last = lastRow.seq;
          await drained(); // our own pace here: wait for the client instead of dropping it
          if (finished) return;
        }
        if (rows.length < PAGE && last >= announced) break;
        if (rows.length === 0) break; // announced but gone (the scan was deleted)
      }
      if (ended) {
        // The diagnosis's findings (stored before its end) as `finding` events, then `end`.
        if (ended.status === 'done') {
          const findings = await o.store.findingsOf(o.scanId);
          if (finished) return;
          raw.write(findings.map(findingFrame).join(''));
        }
        const untested = (o.untested?.length ?? 0) > 0;
        raw.write(
          endFrame(
            untested && ended.verdict === 'safe' ? { ...ended, verdict: 'incomplete' } : ended,
          ),
        );
        finish();
      }
    } catch (err) {
      o.log.warn({ err }, 'live stream: store read failed; disconnected (the client resumes)');
      raw.destroy();
      finish();
    } finally {
      reading = false;
    }
  };

  const onEvent = (event: ScanEvent) => {
    if (finished) return;
    if (event.type === 'end') {
      ended = { status: event.status, verdict: event.status === 'done' ? event.verdict : null };
      void catchUp();
    } else if (!reading && event.firstSeq === last + 1) {
      if (writeLive(framesOf(event, o.family))) last = event.lastSeq;
    } else if (event.lastSeq > last) {
      announced = Math.max(announced, event.lastSeq);
      void catchUp();
    }
  };

  const unsubscribe = o.events.subscribe(o.scanId, onEvent);
  raw.once('close', finish);
  const poll = setInterval(() => {
    if (reading || ended || finished) return;
    void o.store.getScanHeader(o.scanId).then(
      (header) => {
        if (!header) return finish();
        if (header.status === 'done' || header.status === 'failed') {
          ended = endOf(header);
          void catchUp();
        }
      },
      () => undefined,
    );
  }, POLL_MS);
  poll.unref();

  (reply as unknown as SseReply).sse.sendHeaders();
  // Subscribed first, then the scan row: an end published in between is in `ended` or the row.
  void o.store.getScanHeader(o.scanId).then(
    (header) => {
      if (!header) return finish();
      if (header.status === 'done' || header.status === 'failed') ended ??= endOf(header);
      void catchUp();
    },
    (err) => {
      o.log.warn({ err }, 'live stream: store read failed');
      raw.destroy();
      finish();
    },
  );
  return done;
}

export const endOf = (h: ScanHeader): End => ({
  status: h.status === 'done' ? 'done' : 'failed',
  verdict: h.status === 'done' ? h.verdict : null,
});

export interface LiveStreamLimits {
  perScan: number;
  perAddress: number;
  perNetwork: number;
}

/** Open live streams per diagnosis, per requester address and per requester network. */
export class LiveStreamCaps {
  readonly #open = new Map<string, number>();
  readonly #limits: LiveStreamLimits;

  constructor(limits: LiveStreamLimits) {
    this.#limits = limits;
  }

  /** Takes a slot or throws 429 rate_limited (nothing taken); returns the release function. */
  acquire(scanId: string, requester: { key: string; networkKeys: readonly string[] }): () => void {
    const slots: [string, number, string][] = [
      [`scan:${scanId}`, this.#limits.perScan, 'of this diagnosis'],
      [`addr:${requester.key}`, this.#limits.perAddress, 'from your address'],
      ...requester.networkKeys.map((k): [string, number, string] => [
        `net:${k}`,
        this.#limits.perNetwork,
        'from your network',
      ]),
    ];
    for (const [key, limit, what] of slots) {
      if ((this.#open.get(key) ?? 0) >= limit)
        throw new ApiError(
          'rate_limited',
          `Too many live views ${what} are open (at most ${limit}). Close some and try again.`,
          10,
        );
    }
    for (const [key] of slots) this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const [key] of slots) {
        const n = (this.#open.get(key) ?? 1) - 1;
        if (n === 0) this.#open.delete(key);
        else this.#open.set(key, n);
      }
    };
  }
}
