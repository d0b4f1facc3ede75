// The live stream of a diagnosis with several targets (issue 15): the results of every target's
// scan row, each with its `family`, then one `end` with the overall status and verdict. The event
// id carries one cursor per target ("12.7": the last seq sent of each, in target order), so
// Last-Event-ID resumes every target where it was. Reads come from the store on every event (at
// most a few targets, each batch announced once); a single-target diagnosis keeps the leaner
// live-stream.ts.
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { ScanEvents } from '../queue/scan-events.js';
import type { ScanHeader, Store, UntestedTarget } from '../store/store.js';
import { overallStatus, overallVerdict } from './diagnosis.js';
import { resultJson } from './live-stream.js';

const PAGE = 1000;
const POLL_MS = 5000;
const DRAIN_TIMEOUT_MS = 10_000;

export interface DiagnosisStreamOptions {
  store: Pick<Store, 'getScanHeader' | 'resultsAfter'>;
  events: ScanEvents;
  rows: readonly ScanHeader[];
  untested: readonly UntestedTarget[];
  lastEventId: string | undefined;
  bufferBytes: number;
  log: FastifyBaseLogger;
}

/** Parses "a.b.c" into one cursor per row; anything else starts from the beginning. */
export function parseCursors(text: string | undefined, n: number): number[] {
  const parts = (text ?? '').split('.');
  if (parts.length !== n || !parts.every((p) => /^\d{1,9}$/.test(p))) return Array(n).fill(0);
  return parts.map(Number);
}

export function streamDiagnosis(reply: FastifyReply, o: DiagnosisStreamOptions): Promise<void> {
  const raw = reply.raw;
  const rows = o.rows.map((r) => ({
    id: r.id,
    family: r.family,
    status: r.status,
    verdict: r.verdict,
  }));
  const cursors = parseCursors(o.lastEventId, rows.length);
  let finished = false;
  let reading = false;
  let again = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const unsubscribes: (() => void)[] = [];
  const finish = () => {
    if (finished) return;
    finished = true;
    for (const u of unsubscribes) u();
    clearInterval(poll);
    resolveDone();
  };
  const ended = () => rows.every((r) => r.status === 'done' || r.status === 'failed');

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
            raw.destroy();
            finish();
            go();
          }, DRAIN_TIMEOUT_MS);
          raw.on('drain', go);
          raw.on('close', go);
        });

  const catchUp = async () => {
    if (finished) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        // Whether every row had ended BEFORE this pass: then nothing more can arrive after it.
        const endedBefore = ended();
        for (let i = 0; i < rows.length; i++) {
          for (;;) {
            const page = await o.store.resultsAfter(rows[i]!.id, cursors[i]!, PAGE);
            if (finished) return;
            let text = '';
            for (const r of page) {
              cursors[i] = r.seq;
              text += `id: ${cursors.join('.')}\nevent: result\ndata: ${JSON.stringify({ ...resultJson(r), family: rows[i]!.family })}\n\n`;
            }
            if (text) raw.write(text);
            await drained();
            if (finished) return;
            if (page.length < PAGE) break;
          }
        }
        if (endedBefore) {
          const status = overallStatus(rows);
          raw.write(
            `event: end\ndata: ${JSON.stringify({ status, verdict: overallVerdict(rows, o.untested) })}\n\n`,
          );
          finish();
          return;
        }
        if (ended()) again = true; // ended during the pass: one more pass, then `end`
      } while (again);
    } catch (err) {
      o.log.warn({ err }, 'diagnosis stream: store read failed; disconnected (the client resumes)');
      raw.destroy();
      finish();
    } finally {
      reading = false;
    }
  };

  rows.forEach((row, i) => {
    unsubscribes.push(
      o.events.subscribe(row.id, (event) => {
        if (event.type === 'end') {
          rows[i]!.status = event.status;
          rows[i]!.verdict = event.status === 'done' ? event.verdict : null;
        }
        void catchUp();
      }),
    );
  });
  raw.once('close', finish);
  const refresh = async () => {
    for (const row of rows) {
      if (row.status === 'done' || row.status === 'failed') continue;
      const h = await o.store.getScanHeader(row.id);
      if (!h) {
        row.status = 'failed';
        continue;
      }
      row.status = h.status;
      row.verdict = h.verdict;
    }
  };
  const poll = setInterval(() => {
    if (finished || reading) return;
    void refresh().then(catchUp, () => undefined);
  }, POLL_MS);
  poll.unref();

  (reply as unknown as { sse: { sendHeaders(): void } }).sse.sendHeaders();
  // Subscribed first, then the rows' state: an end published in between is seen either way.
  void refresh().then(catchUp, (err) => {
    o.log.warn({ err }, 'diagnosis stream: store read failed');
    raw.destroy();
    finish();
  });
  return done;
}
