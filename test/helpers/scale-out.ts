// The scaled-out service on this machine, with real processes: web nodes (src/bin/server.ts with
// SELFSCAN_REDIS_URL) and scanner workers (src/bin/worker.ts), a PostgreSQL database of the
// test's own on the shared server (created and dropped here), and a Redis of the caller's choice
// (a private redis-server for fault tests). A TCP proxy in front of PostgreSQL lets a test cut the
// database off without touching the shared server. Traffic: 127.0.0.0/8 only.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { REPO_ROOT } from './lab.js';
import { freePort, type ServerProcess, startServerProcess } from './server-process.js';

export const TEST_PG_URL =
  process.env.SELFSCAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fresh database on the test PostgreSQL; drop() removes it. undefined when PG is away. */
export async function scratchDatabase(): Promise<
  { url: string; drop(): Promise<void> } | undefined
> {
  const name = `sstest_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    await admin.end().catch(() => undefined);
    return undefined;
  }
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A TCP proxy on 127.0.0.1 to `target`; cut() drops every connection and refuses new ones
 *  (a database out of reach), restore() lets them through again. */
export async function tcpProxy(targetHost: string, targetPort: number) {
  const port = await freePort('127.0.0.1');
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  name: string;
  output(): string;
  /** `scan job done` lines so far (which worker did the work). */
  jobsDone(): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `src/bin/worker.ts --vantage <vantage>`; resolves when it says it is ready. */
export async function startWorker(
  name: string,
  vantage: string,
  settings: Record<string, string>,
  command: string[] = [],
): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SELFSCAN_')) env[k] = v;
  Object.assign(env, settings);
  const args = ['--import', 'tsx', 'src/bin/worker.ts', '--vantage', vantage];
  const [cmd, ...cmdArgs] =
    command.length > 0 ? [...command, process.execPath] : [process.execPath];
  const child = spawn(cmd as string, [...cmdArgs, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    if (out.length < 256 * 1024) out += String(d);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const w: WorkerProcess = {
    child,
    name,
    output: () => out,
    jobsDone: () => out.split('\n').filter((l) => l.includes('scan job done')).length,
    exited,
    stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const r = await exited;
        clearTimeout(timer);
        return r;
      }
      return exited;
    },
  };
  const deadline = Date.now() + 90_000; // tsx compiles on start: slow on a loaded machine
  while (!out.includes('selfscan worker ready')) {
    if (child.exitCode !== null) throw new Error(`worker ${name} exited: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker ${name} not ready within 90 s: ${out}`);
    }
    await sleep(100);
  }
  return w;
}

export interface Cluster {
  webs: ServerProcess[];
  workers: WorkerProcess[];
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/** `webs` web nodes and `workers` workers (vantage `vantages[i % n]`) sharing one database and
 *  one Redis. */
export async function startCluster(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  webs: number;
  workers: number;
  vantages?: string[];
  /** Web nodes listen here (default 127.0.0.1). */
  host?: string;
  env?: Record<string, string>;
}): Promise<Cluster> {
  const host = o.host ?? '127.0.0.1';
  const settings: Record<string, string> = {
    SELFSCAN_MODE: 'local',
    SELFSCAN_LOG_LEVEL: 'warn',
    SELFSCAN_REDIS_URL: o.redisUrl,
    SELFSCAN_REDIS_PREFIX: o.prefix,
    SELFSCAN_JOB_KEY: 'scale-out test job key, 32+ characters',
    SELFSCAN_DATABASE_URL: o.databaseUrl,
    ...o.env,
  };
  const vantages = o.vantages ?? ['default'];
  // The first web node migrates the fresh database; then the rest all at once (each process
  // compiles through tsx: slow on a loaded machine).
  const first = await startServerProcess({
    host,
    databaseUrl: o.databaseUrl,
    env: settings,
    readyTimeoutMs: 90_000,
  });
  // Then the workers together (90 s each to start), then the other web nodes (30 s each in
  // startServerProcess: not started while the workers compile).
  const started: PromiseSettledResult<WorkerProcess | ServerProcess>[] = await Promise.allSettled(
    Array.from({ length: o.workers }, (_, i) =>
      // info: the workers' `scan job done` lines tell who did the work.
      startWorker(`w${i + 1}`, vantages[i % vantages.length] ?? 'default', {
        ...settings,
        SELFSCAN_LOG_LEVEL: 'info',
      }),
    ),
  );
  if (!started.some((r) => r.status === 'rejected'))
    started.push(
      ...(await Promise.allSettled(
        Array.from({ length: o.webs - 1 }, () =>
          startServerProcess({
            host,
            databaseUrl: o.databaseUrl,
            env: settings,
            readyTimeoutMs: 90_000,
          }),
        ),
      )),
    );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    // Nothing left behind: stop what did start.
    await first.kill();
    for (const r of started) {
      if (r.status !== 'fulfilled') continue;
      if ('jobsDone' in r.value) await r.value.stop('SIGKILL');
      else await r.value.kill();
    }
    throw (failed as PromiseRejectedResult).reason;
  }
  const values = started.map(
    (r) => (r as PromiseFulfilledResult<WorkerProcess | ServerProcess>).value,
  );
  const workers = values.slice(0, o.workers) as WorkerProcess[];
  const more = values.slice(o.workers) as ServerProcess[];
  const cluster: Cluster = {
    webs: [first, ...more],
    workers,
    settings,
    // The arrays as they are then: a test may have replaced a node.
    stop: async () => {
      await Promise.all([
        ...cluster.webs.map((w) => w.stop('SIGTERM', 15_000)),
        ...cluster.workers.map((w) => w.stop('SIGTERM', 15_000)),
      ]);
    },
  };
  return cluster;
}
