// The JSON API v1 contract (PRODUCT.md "JSON API (v1) — contract", "States and verdict") against
// the real service in-process, over real sockets from distinct loopback clients. Ground truth:
// listeners the test runs on the client's own address are `open`, ports proven free are `closed`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError,
  closedPorts,
  listenOn,
  type Response,
  type ScanJson,
  type SseEvent,
  startTestService,
  type TestService,
  unusedPort,
} from '../helpers/service.js';

function assertRetryAfter(res: Response): number {
  const value = res.headers['retry-after'];
  assert.equal(typeof value, 'string', 'Retry-After header missing');
  assert.match(String(value), /^[1-9]\d*$/);
  return Number(value);
}

/** The expected state of every port: listeners open (syn-ack), the rest closed (refused). */
function assertResults(scan: ScanJson, open: readonly number[], closed: readonly number[]): void {
  const expected = new Map<number, [string, string]>();
  for (const p of open) expected.set(p, ['open', 'syn-ack']);
  for (const p of closed) expected.set(p, ['closed', 'refused']);
  assert.equal(scan.total, expected.size);
  assert.equal(scan.results.length, expected.size);
  const seen = new Set<number>();
  for (const r of scan.results) {
    const want = expected.get(r.port);
    assert.ok(want, `unexpected port ${r.port} in results`);
    assert.ok(!seen.has(r.port), `port ${r.port} reported twice`);
    seen.add(r.port);
    assert.equal(r.protocol, 'tcp');
    assert.deepEqual([r.state, r.reason], want, `port ${r.port}`);
    assert.ok(Number.isInteger(r.ms) && r.ms >= 0, `port ${r.port} ms ${r.ms}`);
  }
}

function resultEvents(events: SseEvent[]): SseEvent[] {
  return events.filter((e) => e.event === 'result');
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('local mode', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService();
  });
  after(() => s.close());

  test('GET /api/v1/me answers the requester itself', async () => {
    for (const from of ['127.0.0.7', '127.0.0.77']) {
      const res = await s.request({ from, path: '/api/v1/me' });
      assert.equal(res.status, 200);
      assert.equal(res.json.address, from);
      assert.equal(res.json.family, 4);
      assert.equal(res.json.class, 'loopback');
      assert.equal(res.json.allowed, true);
      assert.equal(res.json.reason, undefined);
    }
  });

  test('POST /api/v1/consent → 200 { token, termsVersion, expiresAt } valid for 10 minutes', async () => {
    const before = Date.now();
    const res = await s.request({
      from: '127.0.0.7',
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.json.token, /^[A-Za-z0-9_-]{22,}$/);
    assert.equal(res.json.termsVersion, s.config.termsVersion);
    assert.match(res.json.expiresAt, ISO);
    const ttl = Date.parse(res.json.expiresAt) - before;
    assert.ok(ttl > 9 * 60_000 && ttl <= 10 * 60_000 + 5_000, `ttl ${ttl}`);
    const other = await s.consent('127.0.0.7');
    assert.notEqual(other, res.json.token);
  });

  test('a scan reports every port exactly: open/syn-ack, closed/refused; verdict exposed', async () => {
    const from = '127.0.0.21';
    const listeners = await listenOn(from, 3);
    try {
      const closed = await closedPorts(from, 5, 20_000);
      const ports = [closed[0]!, ...listeners.open, ...closed.slice(1)];
      const res = await s.scan(from, { ports, label: 'contract' });
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(Object.keys(res.json).sort(), ['code', 'id', 'url']);
      assert.match(res.json.id, /^[A-Za-z0-9_-]{22,}$/);
      assert.equal(res.json.url, `/r/${res.json.id}`);
      assert.equal(res.headers.location, res.json.url);
      assert.equal(typeof res.json.code, 'string');
      assert.ok(res.json.code.length >= 6);
      assert.ok(!res.json.id.includes(res.json.code));

      const scan = await s.waitForScan(res.json.id);
      assert.equal(scan.status, 'done');
      assert.equal(scan.id, res.json.id);
      assert.equal(scan.code, res.json.code);
      assert.equal(scan.address, from);
      assert.equal(scan.family, 4);
      assert.equal(scan.class, 'loopback');
      assert.equal(scan.label, 'contract');
      assert.equal(scan.error, undefined);
      assertResults(scan, listeners.open, closed);
      assert.equal(scan.verdict, 'exposed');
      for (const field of ['createdAt', 'startedAt', 'finishedAt'] as const)
        assert.match(String(scan[field]), ISO, field);
      assert.ok(Date.parse(scan.createdAt) <= Date.parse(scan.startedAt!));
      assert.ok(Date.parse(scan.startedAt!) <= Date.parse(scan.finishedAt!));
      assert.equal(scan.termsVersion, s.config.termsVersion);
      assert.equal(typeof scan.catalogVersion, 'string');
      // What the timing did: the window within its bounds, re-probes counted.
      assert.ok(scan.timing, 'a done scan reports its timing');
      const { window } = scan.timing;
      assert.equal(window.max, s.config.probe.concurrencyPerTarget);
      assert.ok(window.low >= 1 && window.low <= window.high && window.high <= window.max);
      assert.ok(Number.isInteger(scan.timing.reprobes) && scan.timing.reprobes >= 0);
      assert.ok(scan.timing.triesPerSilentPort >= 1 + s.config.probe.retries);
    } finally {
      await listeners.close();
    }
  });

  test('only closed ports → verdict safe', async () => {
    const from = '127.0.0.22';
    const closed = await closedPorts(from, 6, 20_100);
    const res = await s.scan(from, { ports: closed });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assertResults(scan, [], closed);
    assert.equal(scan.verdict, 'safe');
    assert.equal(scan.label, null);
  });

  test('SSE: a result event with id n per port, then end; Last-Event-ID replays only later ones', async () => {
    const from = '127.0.0.23';
    const listeners = await listenOn(from, 2);
    try {
      const closed = await closedPorts(from, 4, 20_200);
      const res = await s.scan(from, { ports: [...closed, ...listeners.open] });
      assert.equal(res.status, 202, res.text);
      const id = res.json.id as string;

      const live = await s.events(from, id);
      assert.equal(live.status, 200);
      assert.match(String(live.headers['content-type']), /^text\/event-stream/);
      const results = resultEvents(live.events);
      assert.deepEqual(
        results.map((e) => e.id),
        ['1', '2', '3', '4', '5', '6'],
      );
      const last = live.events.at(-1)!;
      assert.equal(last.event, 'end');
      assert.deepEqual(JSON.parse(last.data), { status: 'done', verdict: 'exposed' });
      assert.equal(live.events.length, results.length + 1);

      const scan = await s.waitForScan(id);
      // The stream carries exactly the stored results, in seq order.
      assert.deepEqual(
        results.map((e) => JSON.parse(e.data)),
        scan.results,
      );
      assertResults(scan, listeners.open, closed);

      const resumed = await s.events('127.0.0.24', id, { lastEventId: '4' });
      assert.deepEqual(
        resumed.events.map((e) => [e.event, e.id]),
        [
          ['result', '5'],
          ['result', '6'],
          ['end', undefined],
        ],
      );
      assert.deepEqual(
        resumed.events.slice(0, 2).map((e) => JSON.parse(e.data)),
        scan.results.slice(4),
      );
      const nothingLeft = await s.events(from, id, { lastEventId: '6' });
      assert.deepEqual(
        nothingLeft.events.map((e) => e.event),
        ['end'],
      );
      assert.deepEqual(JSON.parse(nothingLeft.events[0]!.data), {
        status: 'done',
        verdict: 'exposed',
      });
    } finally {
      await listeners.close();
    }
  });

  test('SSE replay of a few hundred results resumes exactly after Last-Event-ID', async () => {
    const from = '127.0.0.25';
    const closed = await closedPorts(from, 300, 21_000);
    const res = await s.scan(from, { ports: closed });
    assert.equal(res.status, 202, res.text);
    const scan = await s.waitForScan(res.json.id);
    assertResults(scan, [], closed);
    assert.equal(scan.verdict, 'safe');

    const resumed = await s.events(from, res.json.id, { lastEventId: '137' });
    const results = resultEvents(resumed.events);
    assert.deepEqual(
      results.map((e) => Number(e.id)),
      Array.from({ length: 300 - 137 }, (_, i) => 138 + i),
    );
    assert.deepEqual(
      results.map((e) => JSON.parse(e.data)),
      scan.results.slice(137),
    );
    assert.equal(resumed.events.at(-1)!.event, 'end');
    assert.deepEqual(JSON.parse(resumed.events.at(-1)!.data), { status: 'done', verdict: 'safe' });
  });

  test('SSE of an unknown scan → 404 not_found envelope', async () => {
    const res = await s.request({
      from: '127.0.0.26',
      path: '/api/v1/scans/AAAAAAAAAAAAAAAAAAAAAAAA/events',
      headers: { accept: 'text/event-stream' },
    });
    assertError(res, 404, 'not_found');
  });

  test('a running scan: verdict null, SSE resumes mid-run, one active scan per requester (409), others 202', async () => {
    const from = '127.0.0.8';
    const res = await s.scan(from, { preset: 'all' }); // TCP 1–65535: runs for many seconds
    assert.equal(res.status, 202, res.text);
    const id = res.json.id as string;
    try {
      const running = await s.request({ from, path: `/api/v1/scans/${id}` });
      assert.equal(running.status, 200);
      assert.ok(['queued', 'running'].includes(running.json.status), running.json.status);
      assert.equal(running.json.verdict, null);
      assert.equal(running.json.total, 65_535);
      assert.equal(running.json.finishedAt, null);

      // A second diagnosis of the same address is refused, and its consent stays unspent.
      const scansBefore = s.countScans();
      const token = await s.consent(from);
      const second = await s.scan(from, { preset: 'core' }, token);
      assertError(second, 409, 'scan_in_progress');
      assert.equal(s.countScans(), scansBefore);

      // Another address is not affected.
      const otherFrom = '127.0.0.9';
      const closed = await closedPorts(otherFrom, 3, 20_300);
      const other = await s.scan(otherFrom, { ports: closed });
      assert.equal(other.status, 202, other.text);
      const otherScan = await s.waitForScan(other.json.id);
      assertResults(otherScan, [], closed);

      // Live stream, cut after 20 events, resumed from there.
      const first = await s.events(from, id, { stopAfter: 20 });
      assert.deepEqual(
        first.events.map((e) => [e.event, Number(e.id)]),
        Array.from({ length: 20 }, (_, i) => ['result', i + 1]),
      );
      const next = await s.events(from, id, { lastEventId: '20', stopAfter: 10 });
      assert.deepEqual(
        next.events.map((e) => [e.event, Number(e.id)]),
        Array.from({ length: 10 }, (_, i) => ['result', 21 + i]),
      );

      // Following a large running scan live reads only new results: the whole scan (65 535
      // planned ports plus every result) is read a fixed number of times per stream, not once
      // per batch of events — that stalled the service for many seconds. Timing is not
      // asserted (a loaded machine makes it flaky); the number of full reads is.
      const stored = (await s.request({ from, path: `/api/v1/scans/${id}` })).json.results.length;
      const store = s.service.store;
      const fullRead = store.getScan.bind(store);
      let fullReads = 0;
      store.getScan = (scanId: string) => {
        if (scanId === id) fullReads++;
        return fullRead(scanId);
      };
      try {
        const followed = await s.events('127.0.0.10', id, {
          lastEventId: String(stored),
          stopAfter: 2000,
          timeoutMs: 60_000,
        });
        assert.deepEqual(
          followed.events.map((e) => [e.event, Number(e.id)]),
          Array.from({ length: 2000 }, (_, i) => ['result', stored + 1 + i]),
        );
      } finally {
        Reflect.deleteProperty(store, 'getScan');
      }
      assert.ok(fullReads <= 3, `the stream read the whole scan ${fullReads} times`);

      const still = await s.request({ from, path: `/api/v1/scans/${id}` });
      assert.equal(still.json.status, 'running');
      assert.equal(still.json.verdict, null);

      // Deleting the running scan ends it; the refused consent now starts a new one.
      const del = await s.request({ from, method: 'DELETE', path: `/api/v1/scans/${id}` });
      assert.equal(del.status, 204);
      const again = await s.scan(from, { ports: closed.slice(0, 1) }, token);
      assert.equal(again.status, 202, again.text);
      await s.waitForScan(again.json.id);
    } finally {
      await s.request({ from, method: 'DELETE', path: `/api/v1/scans/${id}` });
    }
  });

  test('DELETE → 204, then GET, events and DELETE → 404 not_found', async () => {
    const from = '127.0.0.27';
    const res = await s.scan(from, { ports: await closedPorts(from, 2, 20_400) });
    assert.equal(res.status, 202, res.text);
    const id = res.json.id as string;
    await s.waitForScan(id);
    const scans = s.countScans();
    const del = await s.request({
      from: '127.0.0.28',
      method: 'DELETE',
      path: `/api/v1/scans/${id}`,
    });
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal(s.countScans(), scans - 1);
    assertError(await s.request({ from, path: `/api/v1/scans/${id}` }), 404, 'not_found');
    assertError(
      await s.request({
        from,
        path: `/api/v1/scans/${id}/events`,
        headers: { accept: 'text/event-stream' },
      }),
      404,
      'not_found',
    );
    assertError(
      await s.request({ from, method: 'DELETE', path: `/api/v1/scans/${id}` }),
      404,
      'not_found',
    );
    const rows = s
      .db()
      .prepare(
        'select (select count(*) from scan_ports where scan_id = ?) + (select count(*) from scan_results where scan_id = ?) as n',
      )
      .get(id, id) as { n: number };
    assert.equal(rows.n, 0);
  });

  test('GET /api/v1/scans/<unknown> → 404 not_found envelope', async () => {
    assertError(
      await s.request({ from: '127.0.0.7', path: '/api/v1/scans/AAAAAAAAAAAAAAAAAAAAAAAA' }),
      404,
      'not_found',
    );
  });

  test('GET /openapi.json describes the API and its schemas', async () => {
    const res = await s.request({ from: '127.0.0.7', path: '/openapi.json' });
    assert.equal(res.status, 200);
    const doc = res.json;
    assert.match(doc.openapi, /^3\./);
    const paths = doc.paths as Record<
      string,
      Record<
        string,
        {
          requestBody?: unknown;
          responses: Record<string, unknown>;
          parameters?: { name: string }[];
        }
      >
    >;
    for (const [path, methods] of Object.entries({
      '/api/v1/me': ['get'],
      '/api/v1/catalog': ['get'],
      '/api/v1/consent': ['post'],
      '/api/v1/scans': ['post'],
      '/api/v1/scans/{id}': ['get', 'delete'],
      '/api/v1/scans/{id}/events': ['get'],
    })) {
      assert.ok(paths[path], `${path} missing`);
      for (const m of methods) assert.ok(paths[path]![m], `${m} ${path} missing`);
    }
    const post = paths['/api/v1/scans']!.post!;
    const body = (
      post.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }
    ).content['application/json']!.schema;
    assert.equal(body.type, 'object');
    assert.equal(body.additionalProperties, false);
    const props = body.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props).sort(), [
      'identify',
      'label',
      'org',
      'ports',
      'preset',
      'tickets',
      'udp',
      'udpPorts',
    ]);
    assert.equal((props.ports!.items as Record<string, unknown>).type, 'integer');
    assert.equal((props.ports!.items as Record<string, unknown>).minimum, 1);
    assert.equal((props.ports!.items as Record<string, unknown>).maximum, 65535);
    assert.equal(props.ports!.uniqueItems, true);
    assert.equal(props.label!.maxLength, 100);
    assert.ok(post.parameters?.some((p) => p.name === 'Selfscan-Consent'));
    const accepted = (
      post.responses['202'] as {
        content: Record<string, { schema: { properties: Record<string, unknown> } }>;
      }
    ).content['application/json']!.schema;
    assert.deepEqual(Object.keys(accepted.properties).sort(), ['code', 'id', 'url']);
    for (const status of ['400', '403', '409', '429', '503'])
      assert.ok(post.responses[status], `POST /api/v1/scans response ${status} missing`);
    const scan = (
      paths['/api/v1/scans/{id}']!.get!.responses['200'] as {
        content: Record<string, { schema: { properties: Record<string, unknown> } }>;
      }
    ).content['application/json']!.schema;
    for (const field of [
      'id',
      'code',
      'status',
      'address',
      'family',
      'class',
      'verdict',
      'total',
      'results',
      'createdAt',
      'startedAt',
      'finishedAt',
      'termsVersion',
      'catalogVersion',
      'timing',
    ])
      assert.ok(field in scan.properties, `scan schema lacks ${field}`);
    assert.ok(
      paths['/api/v1/scans/{id}/events']!.get!.parameters?.some((p) => p.name === 'Last-Event-ID'),
    );
    assert.ok(!('/healthz' in paths) && !('/openapi.json' in paths));
  });

  test('GET /api/v1/catalog lists entries and presets (all available in local mode)', async () => {
    const res = await s.request({ from: '127.0.0.7', path: '/api/v1/catalog' });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json.entries) && res.json.entries.length > 10);
    assert.ok(res.json.entries.some((e: { port: number }) => e.port === 445));
    const presets = Object.fromEntries(
      (res.json.presets as { name: string; available: boolean }[]).map((p) => [
        p.name,
        p.available,
      ]),
    );
    assert.deepEqual(presets, { core: true, service: true, all: true });
  });

  test('/healthz and /readyz → 200', async () => {
    const health = await s.request({ from: '127.0.0.7', path: '/healthz' });
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
    const ready = await s.request({ from: '127.0.0.7', path: '/readyz' });
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json.status, 'ready');
  });

  test('unknown paths and methods → 404 not_found envelope', async () => {
    assertError(await s.request({ from: '127.0.0.7', path: '/api/v1/nope' }), 404, 'not_found');
    assertError(await s.request({ from: '127.0.0.7', path: '/nope?x=1' }), 404, 'not_found');
    assertError(await s.request({ from: '127.0.0.7', path: '/api/v2/me' }), 404, 'not_found');
    assertError(
      await s.request({ from: '127.0.0.7', method: 'PUT', path: '/api/v1/scans/x', body: {} }),
      404,
      'not_found',
    );
  });
});

describe('public mode', () => {
  let s: TestService;
  before(async () => {
    s = await startTestService({
      SELFSCAN_MODE: 'public',
      SELFSCAN_CANARY: `127.0.0.1:${await unusedPort()}`,
      SELFSCAN_IP_STORAGE: 'truncate',
    });
  });
  after(() => s.close());

  test('a loopback requester is not allowed: /me says why, consent and scans → 403 requester_not_allowed', async () => {
    const from = '127.0.0.7';
    const me = await s.request({ from, path: '/api/v1/me' });
    assert.equal(me.status, 200);
    assert.equal(me.json.allowed, false);
    assert.equal(me.json.class, 'loopback');
    assert.equal(me.json.family, 4);
    assert.equal(me.json.address, '127.0.0.x'); // truncate: the masked form only
    assert.equal(typeof me.json.reason, 'string');
    assert.ok(me.json.reason.length > 0);

    const consent = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });
    assertError(consent, 403, 'requester_not_allowed');
    assert.equal(s.countConsents(), 0);
    const scan = await s.request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'selfscan-consent': 'x'.repeat(32) },
      body: { preset: 'core' },
    });
    assertError(scan, 403, 'requester_not_allowed');
    assert.equal(s.countScans(), 0);
  });

  test('the catalog marks "all" unavailable; readyz is 200 with a silent canary', async () => {
    const catalog = await s.request({ from: '127.0.0.7', path: '/api/v1/catalog' });
    const all = (catalog.json.presets as { name: string; available: boolean }[]).find(
      (p) => p.name === 'all',
    );
    assert.equal(all?.available, false);
    const ready = await s.request({ from: '127.0.0.7', path: '/readyz' });
    assert.equal(ready.status, 200, ready.text);
  });
});

describe('rate limits', () => {
  test('SELFSCAN_RATE_LIMIT_PER_ADDRESS=2: the third scan → 429 rate_limited with Retry-After, nothing written', async () => {
    const s = await startTestService({ SELFSCAN_RATE_LIMIT_PER_ADDRESS: '2' });
    try {
      const from = '127.0.0.40';
      const ports = await closedPorts(from, 1, 20_500);
      for (let i = 0; i < 2; i++) {
        const res = await s.scan(from, { ports });
        assert.equal(res.status, 202, res.text);
        await s.waitForScan(res.json.id);
      }
      const token = await s.consent(from);
      const third = await s.scan(from, { ports }, token);
      assertError(third, 429, 'rate_limited');
      const wait = assertRetryAfter(third);
      assert.ok(wait <= 3600, `Retry-After ${wait}`);
      assert.equal(s.countScans(), 2);
      const unused = s.db().prepare('select used_at from consents').all() as {
        used_at: number | null;
      }[];
      assert.equal(unused.filter((c) => c.used_at === null).length, 1);
      // Per address: a neighbour is not limited.
      const neighbour = await s.scan('127.0.0.41', {
        ports: await closedPorts('127.0.0.41', 1, 20_500),
      });
      assert.equal(neighbour.status, 202, neighbour.text);
      await s.waitForScan(neighbour.json.id);
    } finally {
      await s.close();
    }
  });

  test('SELFSCAN_RATE_LIMIT_PER_NETWORK=2: a third address of the same /24 → 429', async () => {
    const s = await startTestService({ SELFSCAN_RATE_LIMIT_PER_NETWORK: '2' });
    try {
      for (const from of ['127.0.0.42', '127.0.0.43']) {
        const res = await s.scan(from, { ports: await closedPorts(from, 1, 20_500) });
        assert.equal(res.status, 202, res.text);
        await s.waitForScan(res.json.id);
      }
      const third = await s.scan('127.0.0.44', { ports: [20_500] });
      assertError(third, 429, 'rate_limited');
      assertRetryAfter(third);
      assert.equal(s.countScans(), 2);
      const elsewhere = await s.scan('127.0.1.44', {
        ports: await closedPorts('127.0.1.44', 1, 20_500),
      });
      assert.equal(elsewhere.status, 202, elsewhere.text);
      await s.waitForScan(elsewhere.json.id);
    } finally {
      await s.close();
    }
  });
});

describe('queue cap', () => {
  test('SELFSCAN_QUEUE_MAX=1: a scan while one runs → 503 busy with Retry-After; the consent survives', async () => {
    const s = await startTestService({ SELFSCAN_QUEUE_MAX: '1' });
    try {
      const long = await s.scan('127.0.0.30', { preset: 'all' });
      assert.equal(long.status, 202, long.text);
      const from = '127.0.0.31';
      const ports = await closedPorts(from, 2, 20_600);
      const token = await s.consent(from);
      const busy = await s.scan(from, { ports }, token);
      assertError(busy, 503, 'busy');
      assertRetryAfter(busy);
      assert.equal(s.countScans(), 1);

      const del = await s.request({
        from: '127.0.0.30',
        method: 'DELETE',
        path: `/api/v1/scans/${long.json.id}`,
      });
      assert.equal(del.status, 204);
      const accepted = await s.scan(from, { ports }, token);
      assert.equal(accepted.status, 202, accepted.text);
      assertResults(await s.waitForScan(accepted.json.id), [], ports);
    } finally {
      await s.close();
    }
  });
});
