// The real server (src/bin/server.ts) as a child process, for the tests and scripts that need the
// whole service with its own process (signals, exit status, memory): `node --import tsx`, not npx,
// so signals reach the server itself; a clean environment (no SELFSCAN_* of the caller's) with
// the caller's settings, a free port on `host`, a SQLite file, its output kept, ready once
// /healthz answers 200. Used by test/helpers/browser.ts, test/integration/lab-diagnosis.test.ts,
// test/integration/lifecycle.test.ts and scripts/load.ts.
//
// Also here: a small JSON client for that server (from a chosen source address).
//
// Traffic: only to `host`, which the callers take from 127.0.0.0/8 or a lab's addresses.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { REPO_ROOT } from './lab.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on at `host` right now (bound once with port 0, then released). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GET `path`: the HTTP status, or 0 when there is no answer (refused, reset, 2 s timeout). */
export function httpStatus(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface JsonReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed body, or undefined when it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the caller
  json: any;
}

export interface JsonRequest {
  host: string;
  port: number;
  /** The client's source address (`localAddress`); the kernel's choice when absent. */
  from?: string | undefined;
  method: string;
  path: string;
  /** Sent as JSON (with content-type application/json). */
  body?: unknown;
  headers?: Record<string, string> | undefined;
  /** Idle socket timeout: the request fails with `<method> <path>: timeout`. */
  timeoutMs: number;
  /** Holds the request while it is open (so a caller can cut every open request off). */
  track?: Set<http.ClientRequest>;
}

/** One request; rejects on a socket error or the timeout, resolves with any HTTP status. */
export function jsonRequest(r: JsonRequest): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
    const req = http.request({
      host: r.host,
      port: r.port,
      method: r.method,
      path: r.path,
      agent: false,
      ...(r.from ? { localAddress: r.from } : {}),
      timeout: r.timeoutMs,
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...r.headers,
      },
    });
    if (r.track) {
      const track = r.track;
      track.add(req);
      req.on('close', () => track.delete(req));
    }
    req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path}: timeout`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
      res.on('error', reject);
    });
    req.end(payload);
  });
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  /** The address the server listens on (SELFSCAN_HOST); its port is a free one there. */
  host: string;
  /** SELFSCAN_* settings; SELFSCAN_HOST, _PORT and _DATABASE_URL are set here, after them. */
  env?: Record<string, string>;
  /** The folder of the SQLite file (db.sqlite), owned by the caller: the same folder again
   *  restarts on the same database. Without it: a fresh temp folder, removed once the process
   *  has exited and stop() or kill() was called. */
  dbDir?: string;
  /** Another database (e.g. PostgreSQL) instead of the SQLite file; db() then does not apply. */
  databaseUrl?: string;
  /** How long to wait for /healthz (default 30 s). */
  readyTimeoutMs?: number;
}

export interface ServerProcess {
  child: ChildProcess;
  host: string;
  port: number;
  dbFile: string;
  /** http://host:port (an IPv6 host in brackets). */
  baseUrl: string;
  /** The SELFSCAN_* variables the server got (with SELFSCAN_HOST, _PORT, _DATABASE_URL). */
  env: Record<string, string>;
  /** Resolves when the process has exited. */
  exited: Promise<ServerExit>;
  /** stdout and stderr as they came (the first 64 KiB or so). */
  output(): string;
  /** A read-only connection to the SQLite file, opened on first use, closed by stop()/kill(). */
  db(): SqliteDatabase.Database;
  /** Closes db(), sends `signal` (if the process still runs), SIGKILL after `timeoutMs`, waits
   *  for the exit. Idempotent: later calls return the first call's result. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ServerExit>;
  /** Closes db(), SIGKILL (if the process still runs), waits for the exit. */
  kill(): Promise<ServerExit>;
}

/** Starts the server and waits (30 s at most) until /healthz answers 200; if it exits or does
 *  not answer by then, stops it and throws with its output. */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const { host } = opts;
  const port = await freePort(host);
  const dir = opts.dbDir ?? mkdtempSync(join(tmpdir(), 'selfscan-server-'));
  const tempDir = opts.dbDir ? undefined : dir;
  const dbFile = join(dir, 'db.sqlite');
  const settings: Record<string, string> = {
    ...opts.env,
    SELFSCAN_HOST: host,
    SELFSCAN_PORT: String(port),
    SELFSCAN_DATABASE_URL: opts.databaseUrl ?? `sqlite:${dbFile}`,
  };
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SELFSCAN_')) env[k] = v;
  Object.assign(env, settings);
  // node itself, not npx: the signals must reach the server process.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    if (out.length < 64 * 1024) out += String(d);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<ServerExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;

  let sqlite: SqliteDatabase.Database | undefined;
  const db = () => {
    sqlite ??= new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true });
    return sqlite;
  };
  const closeDb = () => {
    sqlite?.close();
    sqlite = undefined;
  };
  const afterExit = async () => {
    const exit = await exited;
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    return exit;
  };
  let stopping: Promise<ServerExit> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) => {
    stopping ??= (async () => {
      closeDb();
      if (running()) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return afterExit();
    })();
    return stopping;
  };
  const kill = async () => {
    closeDb();
    if (running()) child.kill('SIGKILL');
    return afterExit();
  };

  const server: ServerProcess = {
    child,
    host,
    port,
    dbFile,
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    env: settings,
    exited,
    output: () => out,
    db,
    stop,
    kill,
  };
  const readyMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`server exited (${child.exitCode}): ${out}`);
    }
    if ((await httpStatus(host, port, '/healthz')) === 200) return server;
    await sleep(200);
  }
  await stop();
  throw new Error(`server did not answer /healthz within ${readyMs / 1000} s: ${out}`);
}
