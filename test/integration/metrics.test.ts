// /metrics: on its own listener (SELFSCAN_METRICS_HOST/PORT), valid Prometheus text exposition
// as the official Prometheus Python client's parser reads it (Debian python3-prometheus-client;
// missing → loud SKIPPED, under CI=true a failure), and its counters move when diagnoses run.
// Traffic: loopback only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { after, before, type TestContext, test } from 'node:test';
import { freePort } from '../helpers/server-process.js';
import { closedPorts, listenOn, startTestService, type TestService } from '../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append([fam.name, fam.type, s.name, s.labels, s.value])
print(json.dumps(out))
`;

type Sample = [
  family: string,
  type: string,
  name: string,
  labels: Record<string, string>,
  value: number,
];

function parserAvailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${PYTHON} cannot import prometheus_client (apt-get install python3-prometheus-client)`;
}

function requireParser(t: TestContext): boolean {
  const why = parserAvailable();
  if (why === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
  process.stderr.write(`\n!!!!! METRICS PARSER SKIPPED: ${why} !!!!!\n\n`);
  t.skip(`SKIPPED: ${why}`);
  return false;
}

/** The official parser's reading (throws on text it refuses). */
function parse(text: string): Sample[] {
  const r = spawnSync(PYTHON, ['-c', PARSE], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `the Prometheus parser refused the exposition:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Sample[];
}

function get(port: number, path: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }),
        );
      })
      .on('error', reject);
  });
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter(([, , n, l]) => n === name && Object.entries(labels).every(([k, v]) => l[k] === v))
    .reduce((sum, s) => sum + s[4], 0);

let s: TestService;
let metricsPort: number;
before(async () => {
  metricsPort = await freePort('127.0.0.1');
  s = await startTestService({
    SELFSCAN_METRICS_PORT: String(metricsPort),
    SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: '2',
  });
});
after(() => s?.close());

test('the service port has no /metrics; the metrics listener has nothing else', async () => {
  const res = await s.request({ from: '127.0.0.1', path: '/metrics' });
  assert.equal(res.status, 404);
  assert.equal((await get(metricsPort, '/')).status, 404);
  assert.deepEqual(s.service.metricsAddress, { host: '127.0.0.1', port: metricsPort });
});

test('/metrics parses and its counters move when diagnoses run', async (t) => {
  if (!requireParser(t)) return;
  const first = await get(metricsPort, '/metrics');
  assert.equal(first.status, 200);
  assert.match(first.type, /^text\/plain; version=0\.0\.4/);
  const before = parse(first.text);
  for (const name of [
    'selfscan_queue_depth',
    'nodejs_eventloop_lag_seconds',
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
  ])
    assert.ok(
      before.some(([, , n]) => n === name),
      `${name} is exported`,
    );

  const from = '127.0.0.61';
  const listeners = await listenOn(from, 2);
  try {
    const closed = await closedPorts(from, 3, 28_100);
    const res = await s.scan(from, { ports: [...listeners.open, ...closed] });
    assert.equal(res.status, 202, res.text);
    const done = await s.waitForScan(res.json.id);
    assert.equal(done.verdict, 'exposed');
  } finally {
    await listeners.close();
  }
  // One more consent than SELFSCAN_CONSENT_LIMIT_PER_ADDRESS=2 allows: a 429.
  const other = '127.0.0.62';
  for (let i = 0; i < 3; i++)
    await s.request({
      from: other,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });

  let after: Sample[] = [];
  for (let i = 0; i < 50; i++) {
    after = parse((await get(metricsPort, '/metrics')).text);
    if (value(after, 'selfscan_diagnosis_duration_seconds_count') > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const delta = (name: string, labels?: Record<string, string>) =>
    value(after, name, labels) - value(before, name, labels);
  assert.equal(delta('selfscan_diagnoses_total', { outcome: 'exposed' }), 1);
  assert.equal(delta('selfscan_probe_results_total', { protocol: 'tcp', state: 'open' }), 2);
  assert.equal(delta('selfscan_probe_results_total', { protocol: 'tcp', state: 'closed' }), 3);
  assert.equal(delta('selfscan_diagnosis_duration_seconds_count'), 1);
  assert.equal(delta('selfscan_rate_limit_refusals_total', { route: '/api/v1/consent' }), 1);
  // No address in any label.
  const text = (await get(metricsPort, '/metrics')).text;
  assert.doesNotMatch(text, /127\.0\.0\.6[12]/);
});
