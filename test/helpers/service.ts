// The real service, in-process, for integration tests: startService(loadConfig(…)) on
// 127.0.0.1:<ephemeral>, a SQLite file in a fresh temp folder, and a client that talks to it over
// real sockets from a chosen loopback address (`localAddress`), so the service sees that address
// as its peer and scans it. Test traffic goes to 127.0.0.0/8 only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Service, startService } from '../../src/bin/start-service.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { ScanResponse } from '../../src/http/api-schemas.js';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: test convenience: assertions check the shape
  json: any;
}

export interface RequestOptions {
  /** The client's loopback address (127.0.0.0/8): the peer the service sees. */
  from: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body?: unknown;
  timeoutMs?: number;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** GET /api/v1/scans/:id as the server's own schema types it. */
export type ScanJson = ScanResponse;

export interface TestService {
  service: Service;
  config: Config;
  port: number;
  dbFile: string;
  request(options: RequestOptions): Promise<Response>;
  /** POST /api/v1/consent from `from`; asserts 200 and returns the token. */
  consent(from: string): Promise<string>;
  /** POST /api/v1/scans from `from` with a fresh consent (or the given token). */
  scan(from: string, body: unknown, token?: string): Promise<Response>;
  /** Polls GET /api/v1/scans/:id until done or failed (bounded). */
  waitForScan(id: string, timeoutMs?: number): Promise<ScanJson>;
  /** Reads the SSE stream until `end` (or the stream closes, or `stopAfter` events, or timeout). */
  events(
    from: string,
    id: string,
    options?: { lastEventId?: string; stopAfter?: number; timeoutMs?: number },
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; events: SseEvent[] }>;
  /** Rows in the scans table, read directly from the database file. */
  countScans(): number;
  /** Rows in the consents table. */
  countConsents(): number;
  /** Direct access to the database file (a second connection), e.g. to age a consent. */
  db(): SqliteDatabase.Database;
  close(): Promise<void>;
}

/** Every loopback address a test used as a client: their sockets are the test's, not the
 *  service's (the self-only spy tells them apart by this). */
export const clientAddresses = new Set<string>();

export async function startTestService(
  overrides: Record<string, string> = {},
): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-api-'));
  const dbFile = join(dir, 'db.sqlite');
  // Public mode requires an egress reference: a host where EVERY TCP port accepts, which loopback
  // cannot be without nftables. These loopback tests are about other things, so the reference
  // passes validation and is then left out of the running configuration; the self-test itself is
  // test/integration/egress.test.ts, with a real reference host in a lab namespace.
  const noEgressReference =
    overrides.SELFSCAN_MODE === 'public' && overrides.SELFSCAN_EGRESS_REFERENCE === undefined;
  const loaded = loadConfig({
    SELFSCAN_DATABASE_URL: `sqlite:${dbFile}`,
    SELFSCAN_PORT: '0',
    SELFSCAN_HOST: '127.0.0.1',
    // Tests share 127.0.0.0/24: lift the limits unless a test is about them.
    SELFSCAN_RATE_LIMIT_PER_ADDRESS: '10000',
    SELFSCAN_RATE_LIMIT_PER_NETWORK: '10000',
    SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: '10000',
    SELFSCAN_CONSENT_LIMIT_PER_NETWORK: '10000',
    SELFSCAN_SHUTDOWN_TIMEOUT_MS: '2000',
    SELFSCAN_LOG_LEVEL: 'silent',
    ...(noEgressReference ? { SELFSCAN_EGRESS_REFERENCE: '127.0.0.1' } : {}),
    // Public mode requires a ticket key (family tickets, issue 15).
    ...(overrides.SELFSCAN_MODE === 'public' ? { SELFSCAN_TICKET_KEY: 't'.repeat(32) } : {}),
    ...overrides,
  });
  const config = noEgressReference
    ? { ...loaded, probe: { ...loaded.probe, egressReferences: [] } }
    : loaded;
  const service = await startService(config);
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const address = service.app.server.address();
  assert.ok(address && typeof address === 'object');
  const port = address.port;

  let sqlite: SqliteDatabase.Database | undefined;
  const db = () => {
    sqlite ??= new SqliteDatabase(dbFile);
    return sqlite;
  };

  const request = (options: RequestOptions): Promise<Response> => {
    assertLoopback(options.from);
    clientAddresses.add(options.from);
    const headers: Record<string, string> = { ...options.headers };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') {
        payload = Buffer.from(options.body);
      } else {
        payload = Buffer.from(JSON.stringify(options.body));
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        localAddress: options.from,
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
      });
      req.on('timeout', () => req.destroy(new Error(`timeout: ${options.method} ${options.path}`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/application\/json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.end(payload);
    });
  };

  const consent = async (from: string): Promise<string> => {
    const res = await request({
      from,
      method: 'POST',
      path: '/api/v1/consent',
      body: { accept: true },
    });
    assert.equal(res.status, 200, `consent from ${from}: ${res.text}`);
    assert.equal(typeof res.json.token, 'string');
    return res.json.token as string;
  };

  const scan = async (from: string, body: unknown, token?: string): Promise<Response> =>
    request({
      from,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { 'selfscan-consent': token ?? (await consent(from)) },
      body,
    });

  const waitForScan = async (id: string, timeoutMs = 60_000): Promise<ScanJson> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await request({ from: '127.0.0.1', path: `/api/v1/scans/${id}` });
      assert.equal(res.status, 200, `GET scan ${id}: ${res.text}`);
      const body = res.json as ScanJson;
      if (body.status === 'done' || body.status === 'failed') return body;
      if (Date.now() > deadline)
        assert.fail(`scan ${id} still ${body.status} after ${timeoutMs} ms`);
      await sleep(20);
    }
  };

  const events: TestService['events'] = (from, id, options = {}) => {
    assertLoopback(from);
    clientAddresses.add(from);
    return new Promise((resolve, reject) => {
      const collected: SseEvent[] = [];
      let buffer = '';
      const req = http.request({
        host: '127.0.0.1',
        port,
        localAddress: from,
        path: `/api/v1/scans/${id}/events`,
        headers: {
          accept: 'text/event-stream',
          ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
        },
        agent: false,
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`SSE ${id}: no end within ${options.timeoutMs ?? 30_000} ms`));
      }, options.timeoutMs ?? 30_000);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          res.destroy();
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, events: collected });
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk.replace(/\r\n?/g, '\n');
          let start = 0;
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n', start)) {
            const event = parseSseBlock(buffer.slice(start, cut));
            start = cut + 2;
            if (!event) continue; // a comment (heartbeat)
            collected.push(event);
            if (event.event === 'end') return finish();
            if (options.stopAfter !== undefined && collected.length >= options.stopAfter)
              return finish();
          }
          buffer = buffer.slice(start);
        });
        res.on('end', finish);
        res.on('close', finish);
      });
      req.end();
    });
  };

  const count = (table: 'scans' | 'consents') =>
    (db().prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      sqlite?.close();
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  return {
    service,
    config,
    port,
    dbFile,
    request,
    consent,
    scan,
    waitForScan,
    events,
    countScans: () => count('scans'),
    countConsents: () => count('consents'),
    db,
    close,
  };
}

export function parseSseBlock(block: string): SseEvent | undefined {
  const event: SseEvent = { data: '' };
  const data: string[] = [];
  let any = false;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    any = true;
    if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
  }
  if (!any) return undefined;
  event.data = data.join('\n');
  return event;
}

export function assertLoopback(address: string): void {
  // The hard rule: test traffic stays on 127.0.0.0/8.
  if (net.isIPv4(address) && address.startsWith('127.')) return;
  throw new Error(`test traffic must stay on 127.0.0.0/8, not ${address}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Listeners {
  /** Ports that accept connections on `address` (ground truth: open). */
  open: number[];
  close(): Promise<void>;
}

/** `count` TCP listeners on `address` (127.0.0.0/8), on ephemeral ports. */
export async function listenOn(address: string, count: number): Promise<Listeners> {
  assertLoopback(address);
  const servers: net.Server[] = [];
  const open: number[] = [];
  const sockets = new Set<net.Socket>();
  for (let i = 0; i < count; i++) {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: 0 }, () => resolve());
    });
    servers.push(server);
    open.push((server.address() as net.AddressInfo).port);
  }
  return {
    open,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

/** `count` ports on `address` that nothing listens on (ground truth: closed), searched upward
 *  from `from` (below the ephemeral range, so the scanner's own connections do not take them):
 *  each is bound and released to prove it is free. */
export async function closedPorts(address: string, count: number, from: number): Promise<number[]> {
  assertLoopback(address);
  const ports: number[] = [];
  for (let port = from; port < from + count * 4 && ports.length < count; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ host: address, port, exclusive: true }, () =>
        server.close(() => resolve(true)),
      );
    });
    if (free) ports.push(port);
  }
  assert.equal(ports.length, count, `only ${ports.length} free ports from ${from} on ${address}`);
  return ports;
}

/** A port on 127.0.0.1 nothing listens on (for SELFSCAN_CANARY). */
export async function unusedPort(): Promise<number> {
  const [port] = await closedPorts('127.0.0.1', 1, 29_900);
  return port!;
}

export const SNAKE = /^[a-z]+(?:_[a-z]+)*$/;

/** The error envelope every API error uses, with the expected status and code. */
export function assertError(res: Response, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(res.json), ['error']);
  assert.deepEqual(Object.keys(res.json.error).sort(), ['code', 'message']);
  assert.equal(res.json.error.code, code);
  assert.match(res.json.error.code, SNAKE);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
}
