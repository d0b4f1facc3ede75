// Prometheus metrics (prom-client) on a listener of their own (SELFSCAN_METRICS_HOST, default
// 127.0.0.1; SELFSCAN_METRICS_PORT, unset = no listener): never on the public port, so the
// numbers of a public service are not public. No label carries an address, an id or a label.
//   selfscan_diagnoses_total{outcome}          finished diagnoses (exposed|incomplete|safe|failed)
//   selfscan_probe_results_total{protocol,state} stored port results
//   selfscan_diagnosis_duration_seconds         start → finish of diagnoses that ran
//   selfscan_queue_depth                        queued + running in this process
//   selfscan_rate_limit_refusals_total{route}   429 answers (diagnosis, consent and stream caps)
//   selfscan_live_stream_clients                open SSE result streams
//   + prom-client's default process and Node.js metrics (event-loop lag, memory, CPU, fds …)
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { InProcessScanEvents, type ScanEvent } from '../queue/scan-events.js';

export interface Metrics {
  registry: Registry;
  diagnoses: Counter<'outcome'>;
  probeResults: Counter<'protocol' | 'state'>;
  duration: Histogram;
  rateLimitRefusals: Counter<'route'>;
  liveStreams: Gauge;
}

export function createMetrics(options: { queueDepth: () => number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m: Metrics = {
    registry,
    diagnoses: new Counter({
      name: 'selfscan_diagnoses_total',
      help: 'Finished diagnoses by outcome (a verdict, or failed).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    probeResults: new Counter({
      name: 'selfscan_probe_results_total',
      help: 'Stored port results by protocol and state.',
      labelNames: ['protocol', 'state'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'selfscan_diagnosis_duration_seconds',
      help: 'Time from the start of a diagnosis to its end.',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    rateLimitRefusals: new Counter({
      name: 'selfscan_rate_limit_refusals_total',
      help: 'Requests refused with 429 rate_limited, by route.',
      labelNames: ['route'],
      registers: [registry],
    }),
    liveStreams: new Gauge({
      name: 'selfscan_live_stream_clients',
      help: 'Open live result streams (SSE).',
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'selfscan_queue_depth',
    help: 'Diagnoses queued or running in this process.',
    registers: [registry],
    collect() {
      this.set(options.queueDepth());
    },
  });
  for (const outcome of ['exposed', 'incomplete', 'safe', 'failed'])
    m.diagnoses.inc({ outcome }, 0);
  return m;
}

/** ScanEvents that also count what passes through: results by state, finished diagnoses and
 *  their duration (read from the stored scan: startedAt → finishedAt). */
export class MeteredScanEvents extends InProcessScanEvents {
  readonly #metrics: Metrics;
  readonly #secondsOf: (scanId: string) => Promise<number | undefined>;

  constructor(metrics: Metrics, secondsOf: (scanId: string) => Promise<number | undefined>) {
    super();
    this.#metrics = metrics;
    this.#secondsOf = secondsOf;
  }

  override publish(scanId: string, event: ScanEvent): void {
    if (event.type === 'results') {
      for (const r of event.results)
        this.#metrics.probeResults.inc({ protocol: r.protocol, state: r.state });
    } else {
      this.#metrics.diagnoses.inc({ outcome: event.verdict ?? 'failed' });
      this.#secondsOf(scanId).then(
        (s) => s !== undefined && this.#metrics.duration.observe(s),
        () => undefined,
      );
    }
    super.publish(scanId, event);
  }
}

/** Counts 429 answers and open SSE streams of the app. Call before the app is ready. */
export function instrumentApp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', async (request, reply) => {
    if (
      request.method === 'GET' &&
      /^\/api\/v1\/scans\/[^/]+\/events$/.test(request.url.split('?')[0] ?? '')
    ) {
      metrics.liveStreams.inc();
      reply.raw.once('close', () => metrics.liveStreams.dec());
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 429)
      metrics.rateLimitRefusals.inc({ route: request.routeOptions.url ?? 'unknown' });
  });
}

/** The /metrics listener. Resolves once it listens; `close()` stops it. */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ server: http.Server; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
