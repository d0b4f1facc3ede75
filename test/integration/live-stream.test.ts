// streamLive (src/http/live-stream.ts) on a real Fastify server with @fastify/sse, a real SQLite
// store and the in-process events, written to the way the job writes: rows stored in batches,
// one event per batch. A client that never reads is disconnected once more than the byte bound
// is unsent (more than the kernel's socket buffers hold), and resumes with Last-Event-ID; a
// stream that misses events (a gap) fills it from the store; every result exactly once.
//
// Traffic: only 127.0.0.1 (a server this test starts).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { fastifySSE } from '@fastify/sse';
import Fastify from 'fastify';
import type { PortResult } from '../../src/core/port-state.js';
import { streamLive } from '../../src/http/live-stream.js';
import { InProcessScanEvents } from '../../src/queue/scan-events.js';
import { parseSseBlock, sleep } from '../helpers/service.js';
import { sqliteStoreWithScan } from '../helpers/sqlite-scan.js';

const BUFFER_BYTES = 64 * 1024;

async function setup(t: TestContext, total: number) {
  // A scan may plan each (port, protocol) once: tcp and udp give 2 × 65 535 results at most.
  const planned = Array.from({ length: total }, (_, i) => ({
    port: (i % 65_535) + 1,
    protocol: i < 65_535 ? ('tcp' as const) : ('udp' as const),
  }));
  const { store, id } = await sqliteStoreWithScan(t, planned);
  const events = new InProcessScanEvents();
  await store.markRunning(id, Date.now());
  const app = Fastify();
  await app.register(fastifySSE, { heartbeatInterval: 15_000 });
  app.get(
    '/events',
    { sse: { kind: 'only', heartbeat: true } } as never,
    async (request, reply) => {
      const last = Number(request.headers['last-event-id'] ?? 0);
      await streamLive(reply, {
        store,
        events,
        scanId: id,
        after: last,
        bufferBytes: BUFFER_BYTES,
        log: request.log,
      });
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  t.after(async () => {
    await app.close();
  });
  const results: PortResult[] = planned.map((p) => ({
    ...p,
    state: 'closed',
    reason: 'refused',
    ms: 1,
  }));
  /** Stores and publishes like the job: batches of 500, one event each; `skip` drops events. */
  const produce = async (skip: (batchNo: number) => boolean = () => false) => {
    for (let i = 0, n = 0; i < results.length; i += 500, n++) {
      const stored = await store.appendResults(id, results.slice(i, i + 500));
      if (!skip(n) && stored.length > 0)
        events.publish(id, {
          type: 'results',
          firstSeq: stored[0]!.seq,
          lastSeq: stored.at(-1)!.seq,
          results: stored,
        });
      if (n % 20 === 0) await sleep(1);
    }
    await store.finishScan(id, { status: 'done', verdict: 'safe', finishedAt: Date.now() });
    events.publish(id, { type: 'end', status: 'done', verdict: 'safe' });
  };
  return { port, produce, store, id };
}

interface Read {
  seqs: number[];
  ended: boolean;
  /** Bytes received before the server closed the connection. */
  bytes: number;
}

/** One connection; `pauseFirst`: read nothing until the server closes it. */
function connect(port: number, lastEventId: number, pauseFirst: boolean): Promise<Read> {
  return new Promise((resolve, reject) => {
    const r: Read = { seqs: [], ended: false, bytes: 0 };
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/events',
      agent: false,
      headers: {
        accept: 'text/event-stream',
        ...(lastEventId > 0 ? { 'last-event-id': String(lastEventId) } : {}),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let buffer = '';
      const parse = (chunk: string) => {
        r.bytes += chunk.length;
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const event = parseSseBlock(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (event?.event === 'result') r.seqs.push(Number(event.id));
          if (event?.event === 'end') r.ended = true;
        }
      };
      res.setEncoding('utf8');
      if (pauseFirst) {
        // Never read while the server writes; once it has closed the socket, take what the
        // kernel buffered (complete frames only count).
        res.pause();
        res.socket.once('end', () => res.resume());
      }
      res.on('data', parse);
      res.on('close', () => resolve(r));
      res.on('error', () => resolve(r));
    });
    req.end();
  });
}

test('a client that never reads is disconnected past the byte bound, and resumes exactly once', async (t) => {
  // 131 070 results ≈ 12 MB of frames: more than loopback's socket buffers hold.
  const total = 131_070;
  const { port, produce } = await setup(t, total);
  const stuck = connect(port, 0, true);
  await sleep(200);
  await produce();
  const first = await stuck;
  assert.equal(first.ended, false, 'cut off before the end');
  assert.ok(first.seqs.length < total, `got ${first.seqs.length} before the cut`);
  // What arrived is a prefix 1..n (frames are never split across the cut in a way that loses one).
  assert.deepEqual(
    first.seqs,
    Array.from({ length: first.seqs.length }, (_, i) => i + 1),
  );
  // Resume from the last complete frame: the rest, from the store, each once, then end.
  const rest = await connect(port, first.seqs.at(-1) ?? 0, false);
  assert.equal(rest.ended, true);
  assert.deepEqual(
    [...first.seqs, ...rest.seqs],
    Array.from({ length: total }, (_, i) => i + 1),
  );
  t.diagnostic(
    `never-reading client: cut off after ${first.seqs.length} of ${total} results (${Math.round(first.bytes / 1024)} KiB reached it); resumed with ${rest.seqs.length}`,
  );
});

test('events missed by a stream (a gap) are read from the store: every result once, in order', async (t) => {
  const total = 20_000;
  const { port, produce } = await setup(t, total);
  const reading = connect(port, 0, false);
  await sleep(200);
  // Every third batch is never published: the stream sees the next event's firstSeq jump.
  await produce((n) => n % 3 === 1);
  const r = await reading;
  assert.equal(r.ended, true);
  assert.deepEqual(
    r.seqs,
    Array.from({ length: total }, (_, i) => i + 1),
  );
});

test('a stream opened on a finished scan replays it from the store and ends', async (t) => {
  const total = 3000;
  const { port, produce } = await setup(t, total);
  await produce();
  const r = await connect(port, 1000, false);
  assert.equal(r.ended, true);
  assert.deepEqual(
    r.seqs,
    Array.from({ length: total - 1000 }, (_, i) => i + 1001),
  );
});
