// npm run load -- [--clients 200] [--duration 30] [--rounds N] [--lab-clients 10] [--json]
//                  [--scaled] [--spike 2000]
//
// --scaled: the scaled-out service instead of one process (issue 10): 2 web nodes
// (src/bin/server.ts with SELFSCAN_REDIS_URL) and 3 workers (src/bin/worker.ts), a scratch
// PostgreSQL database on SELFSCAN_TEST_DATABASE_URL's server and a private redis-server (AOF) on
// a free loopback port; clients alternate between the web nodes; the jobs each worker ran are
// printed. --spike N: no closed loop — N distinct loopback clients (127.10.x.y, nothing listening:
// every core port closed) each request ONE diagnosis, all within 10 s from idle; the queue cap
// stays at its default, so beyond it a diagnosis must be refused up front with 503 + Retry-After.
// Pass = every accepted diagnosis done and right, every refusal such a 503, none lost.
//
// Closed loop: every client runs diagnoses one after another, all clients at once, and starts no
// new one after --duration seconds (or after --rounds diagnoses, if given); the ones in flight
// finish. Throughput = diagnoses done / wall time until the last one ended.
//
// The whole service under load (TESTING.md "Benchmarks", reliability-security.md §6.1 L1): the
// real server (src/bin/server.ts) as a child process with SQLite in a temp folder, and many
// distinct clients, each running full diagnoses as a user does — consent → POST /api/v1/scans
// (preset core) → live results over SSE until `end` → GET the final JSON:
//   - loopback clients spread over four /24s (127.0.1.x … 127.0.4.x, `localAddress`), all at
//     once; the service scans each one's own address, where this script listens on a few core
//     ports bound to THAT address (a per-client pattern; every 5th client has none open);
//   - lab clients (test/helpers/lab.ts, one namespace each, 1 ms each way) behind nftables drop
//     rules: half of them silent (every core port dropped — the slow, common case), half mixed
//     (2 listeners, 2 admin-prohibited rejects, the rest dropped). Their client is
//     test/helpers/http-client.mjs run inside the namespace.
// The server listens on the first lab's scanner address, which loopback clients reach too (a local
// address); each other lab gets a /32 route to it through its own link. Without root the lab
// clients are skipped, loudly, and the server listens on 127.0.0.1.
//
// Every result is checked against that ground truth (state AND reason, and the verdict), and a
// scan accepted (202) that never reaches `done` counts as LOST (must be 0); the database is read
// at the end for rows still queued/running. Printed: diagnoses/s, p50/p99 latency (consent →
// `end`), the server's peak RSS (VmHWM), lost, mismatches. Rate limits and the queue cap are
// raised for the run, explicitly, and printed; every other setting is the shipped default.
//
// Traffic: only to 127.0.0.0/8 and to the labs' own addresses (198.18.0.0/15). Bounded: every
// client stops starting diagnoses after --duration seconds, and the run is cut off (remaining scans
// counted as lost) at --duration + 120 s.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { presetPorts } from '../src/core/catalog.js';
import { createLab, httpClientCommand, type Lab, labSupport } from '../test/helpers/lab.js';
import { privateRedis } from '../test/helpers/redis.js';
import { type Cluster, scratchDatabase, startCluster } from '../test/helpers/scale-out.js';
import { type JsonReply, jsonRequest, startServerProcess } from '../test/helpers/server-process.js';

async function pgRows(url: string): Promise<{ status: string; n: number }[]> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('select status, count(*)::int as n from scans group by status');
  await c.end();
  return r.rows as { status: string; n: number }[];
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** Diagnoses per client at most, whatever the duration: every loop is bounded in count too. */
const MAX_ROUNDS = 1000;

interface Args {
  clients: number;
  rounds: number;
  labClients: number;
  durationS: number;
  json: boolean;
  scaled: boolean;
  spike: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    clients: 200,
    rounds: MAX_ROUNDS,
    labClients: 10,
    durationS: 30,
    json: false,
    scaled: false,
    spike: 0,
  };
  const int = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--clients') args.clients = int(a, argv[++i], 1, 1000);
    else if (a === '--rounds') args.rounds = int(a, argv[++i], 1, MAX_ROUNDS);
    else if (a === '--lab-clients') args.labClients = int(a, argv[++i], 0, 50);
    else if (a === '--duration') args.durationS = int(a, argv[++i], 5, 3600);
    else if (a === '--json') args.json = true;
    else if (a === '--scaled') args.scaled = true;
    else if (a === '--spike') args.spike = int(a, argv[++i], 1, 2000);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run load -- [--clients 200] [--duration 30] [--rounds N] [--lab-clients 10] [--json]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Ground truth

type Truth = Map<number, { state: string; reason: string }>;
const CORE = presetPorts('core');
const OPEN = { state: 'open', reason: 'syn-ack' };
const CLOSED = { state: 'closed', reason: 'refused' };
const TIMEOUT = { state: 'filtered', reason: 'timeout' };
const PROHIBITED = { state: 'filtered', reason: 'host-unreachable' };

/** Core ports some other program already listens on for every address (0.0.0.0 / ::). */
function wildcardListeners(): Set<number> {
  const out = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A') continue; // LISTEN
      const [addr = '', portHex = ''] = (f[1] ?? '').split(':');
      if (/^0+$/.test(addr)) out.add(Number.parseInt(portHex, 16));
    }
  }
  return out;
}

/** Client i's address: round-robin over four /24s, 127.0.1.10 … 127.0.4.(10 + n/4). */
const loopbackAddress = (i: number) => `127.0.${1 + (i % 4)}.${10 + Math.floor(i / 4)}`;
/** Spike client i: 127.10.0.1 … 127.10.7.250 (250 per /24). */
const spikeAddress = (i: number) => `127.10.${Math.floor(i / 250)}.${1 + (i % 250)}`;

// ---------------------------------------------------------------------------------------------
// Small utilities

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function procStatus(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

const inFlight = new Set<http.ClientRequest>();

function request(
  host: string,
  port: number,
  from: string | undefined,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  return jsonRequest({
    host,
    port,
    from,
    method,
    path,
    body: options.body,
    headers: options.headers,
    timeoutMs: 30_000,
    track: inFlight,
  });
}

/** Reads a scan's event stream until `end` (or close); returns the result count and end data. */
function readEvents(
  host: string,
  port: number,
  from: string,
  id: string,
): Promise<{ results: number; end: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get({
      host,
      port,
      path: `/api/v1/scans/${id}/events`,
      agent: false,
      localAddress: from,
      headers: { accept: 'text/event-stream' },
    });
    inFlight.add(req);
    let results = 0;
    let end: unknown;
    let buffer = '';
    const finish = () => {
      inFlight.delete(req);
      resolve({ results, end });
    };
    req.on('error', (err) => (end === undefined ? reject(err) : finish()));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`events: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (event === 'result') results++;
          else if (event === 'end') {
            end = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
            req.destroy();
            finish();
            return;
          }
          cut = buffer.indexOf('\n\n');
        }
      });
      res.on('end', finish);
      res.on('error', finish);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// One diagnosis and its check

type Group = 'loopback' | 'lab-silent' | 'lab-mixed';

interface Outcome {
  group: Group;
  client: string;
  /** done: reached `done`; failed: a terminal failure; refused: not accepted (no 202); lost:
   *  accepted but never `done` within the run; error: the client itself broke before a 202. */
  status: 'done' | 'failed' | 'refused' | 'lost' | 'error';
  http?: number;
  /** A refusal that said when to come back (Retry-After). */
  retryAfter?: boolean;
  detail?: string;
  latencyMs?: number;
  /** From the stored timestamps: createdAt → startedAt (waiting in the queue), startedAt →
   *  finishedAt (scanning). */
  queuedMs?: number;
  scanningMs?: number;
  mismatches: string[];
}

interface FinalScan {
  status: string;
  verdict: string | null;
  total: number;
  error?: { code: string };
  results: { port: number; state: string; reason: string }[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

function phases(scan: FinalScan): { queuedMs?: number; scanningMs?: number } {
  const t = (s: string | null) => (s === null ? Number.NaN : Date.parse(s));
  const queued = t(scan.startedAt) - t(scan.createdAt);
  const scanning = t(scan.finishedAt) - t(scan.startedAt);
  return {
    ...(Number.isFinite(queued) ? { queuedMs: queued } : {}),
    ...(Number.isFinite(scanning) ? { scanningMs: scanning } : {}),
  };
}

function check(scan: FinalScan, truth: Truth, streamed: number | undefined): string[] {
  const out: string[] = [];
  if (scan.total !== CORE.length) out.push(`total ${scan.total} ≠ ${CORE.length}`);
  if (scan.results.length !== CORE.length)
    out.push(`${scan.results.length} results for ${CORE.length} ports`);
  if (streamed !== undefined && streamed !== scan.results.length)
    out.push(`${streamed} result events for ${scan.results.length} results`);
  const seen = new Set<number>();
  for (const r of scan.results) {
    if (seen.has(r.port)) out.push(`port ${r.port} twice`);
    seen.add(r.port);
    const want = truth.get(r.port);
    if (!want) out.push(`port ${r.port} not requested`);
    else if (want.state !== r.state || want.reason !== r.reason)
      out.push(`port ${r.port}: ${r.state}/${r.reason}, expected ${want.state}/${want.reason}`);
  }
  const exposed = [...truth.values()].some((t) => t.state === 'open');
  const verdict = exposed ? 'exposed' : 'safe';
  if (scan.verdict !== verdict) out.push(`verdict ${scan.verdict}, expected ${verdict}`);
  return out;
}

async function loopbackDiagnosis(
  server: { host: string; port: number },
  from: string,
  truth: Truth,
): Promise<Outcome> {
  const base: Outcome = { group: 'loopback', client: from, status: 'error', mismatches: [] };
  const { host, port } = server;
  let id: string | undefined;
  try {
    const t0 = performance.now();
    const consent = await request(host, port, from, 'POST', '/api/v1/consent', {
      body: { accept: true },
    });
    if (consent.status !== 200)
      return {
        ...base,
        status: 'refused',
        http: consent.status,
        detail: consent.json?.error?.code,
      };
    const accepted = await request(host, port, from, 'POST', '/api/v1/scans', {
      body: { preset: 'core' },
      headers: { 'selfscan-consent': consent.json.token },
    });
    if (accepted.status !== 202)
      return {
        ...base,
        status: 'refused',
        http: accepted.status,
        retryAfter: accepted.headers['retry-after'] !== undefined,
        detail: accepted.json?.error?.code,
      };
    id = accepted.json.id as string;
    const stream = await readEvents(host, port, from, id);
    const latencyMs = performance.now() - t0;
    const final = await request(host, port, from, 'GET', `/api/v1/scans/${id}`);
    const scan = final.json as FinalScan;
    if (scan?.status !== 'done')
      return {
        ...base,
        status: scan?.status === 'failed' ? 'failed' : 'lost',
        detail: scan?.error?.code ?? `status ${scan?.status} (end ${JSON.stringify(stream.end)})`,
      };
    return {
      ...base,
      status: 'done',
      latencyMs,
      ...phases(scan),
      mismatches: check(scan, truth, stream.results),
    };
  } catch (err) {
    return { ...base, status: id ? 'lost' : 'error', detail: (err as Error).message };
  }
}

async function labDiagnosis(
  lab: Lab,
  group: Group,
  server: { host: string; port: number },
  truth: Truth,
  children: Set<ChildProcess>,
): Promise<Outcome> {
  const base: Outcome = { group, client: lab.targetV4, status: 'error', mismatches: [] };
  const child = lab.spawnInTarget(
    httpClientCommand(`http://${server.host}:${server.port}`, [
      '--preset',
      'core',
      '--timeout-ms',
      '120000',
    ]),
  );
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  // 'close', not 'exit': only then has all of stdout been read.
  const exit = await new Promise<string>((resolve) =>
    child.once('close', (code, signal) => resolve(String(code ?? signal))),
  );
  children.delete(child);
  // biome-ignore lint/suspicious/noExplicitAny: JSON lines from the client
  const lines: any[] = [];
  for (const l of stdout.split('\n')) {
    try {
      if (l.trim()) lines.push(JSON.parse(l));
    } catch {}
  }
  const accepted = lines.find((l) => l.step === 'accepted');
  const error = lines.find((l) => l.step === 'error');
  const consent = lines.find((l) => l.step === 'consent');
  if (!accepted) {
    if (consent && consent.status !== 200)
      return { ...base, status: 'refused', http: consent.status };
    return {
      ...base,
      status: 'error',
      detail: error?.message ?? `client exited (${exit}): ${stderr.trim()}`,
    };
  }
  if (accepted.status !== 202) return { ...base, status: 'refused', http: accepted.status };
  const final = lines.find((l) => l.step === 'final');
  const scan = final?.scan as FinalScan | undefined;
  if (scan?.status !== 'done')
    return {
      ...base,
      status: scan?.status === 'failed' ? 'failed' : 'lost',
      detail:
        scan?.error?.code ??
        error?.message ??
        `status ${scan?.status}; client exited (${exit}): ${stderr.trim()}`,
    };
  const streamed = lines.filter((l) => l.step === 'event' && l.event === 'result').length;
  return {
    ...base,
    status: 'done',
    latencyMs: final.consentToEndMs,
    ...phases(scan),
    mismatches: check(scan, truth, streamed),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const command =
    process.argv.length > 2 ? `npm run load -- ${process.argv.slice(2).join(' ')}` : 'npm run load';
  const cleanups: (() => Promise<void> | void)[] = [];
  const labChildren = new Set<ChildProcess>();
  let exitCode = 1;
  try {
    // ---- ground truth: loopback clients and their listeners
    const wildcard = wildcardListeners();
    const candidates = [22, 80, 445, 3389, 5900, 8080].filter(
      (p) => CORE.includes(p) && !wildcard.has(p),
    );
    const loopback: { address: string; truth: Truth }[] = [];
    const listeners: net.Server[] = [];
    cleanups.push(() => {
      for (const s of listeners) s.close();
    });
    const clientCount = args.spike > 0 ? args.spike : args.clients;
    for (let i = 0; i < clientCount; i++) {
      const address = args.spike > 0 ? spikeAddress(i) : loopbackAddress(i);
      const open =
        args.spike > 0 || i % 5 === 4 ? [] : candidates.filter((_, k) => (i + k) % 3 === 0);
      const truth: Truth = new Map(
        CORE.map((p) => [p, open.includes(p) || wildcard.has(p) ? OPEN : CLOSED]),
      );
      for (const port of open) {
        const server = net.createServer((sock) => {
          sock.on('error', () => undefined);
          sock.destroy();
        });
        server.on('error', () => undefined);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: address, port, exclusive: true, backlog: 1024 }, () => resolve());
        });
        listeners.push(server);
      }
      loopback.push({ address, truth });
    }

    // ---- lab clients behind drop rules
    const labs: { lab: Lab; group: Group; truth: Truth }[] = [];
    let labNote = '';
    if (args.labClients > 0) {
      const support = labSupport();
      if (!support.ok) {
        labNote = `LAB CLIENTS SKIPPED: ${support.why}`;
        process.stderr.write(`\n*** ${labNote} — no filtered ports in this run ***\n\n`);
      } else {
        for (let k = 0; k < args.labClients; k++) {
          const lab = await createLab({ delayMs: 1 });
          cleanups.push(() => lab.close());
          const silent = k % 2 === 0;
          let truth: Truth;
          if (silent) {
            await lab.drop(CORE);
            truth = new Map(CORE.map((p) => [p, TIMEOUT]));
          } else {
            const open = [22, 8080];
            const rejected = [23, 2323];
            await lab.listen(open);
            await lab.reject(rejected, 'admin-prohibited');
            await lab.drop(CORE.filter((p) => !open.includes(p) && !rejected.includes(p)));
            truth = new Map(
              CORE.map((p) => [
                p,
                open.includes(p) ? OPEN : rejected.includes(p) ? PROHIBITED : TIMEOUT,
              ]),
            );
          }
          labs.push({ lab, group: silent ? 'lab-silent' : 'lab-mixed', truth });
        }
        // Every lab reaches the server on the first lab's scanner address through its own link.
        const home = labs[0]!.lab.scannerV4;
        for (const { lab } of labs.slice(1)) {
          const r = await lab.execInTarget([
            'ip',
            'route',
            'add',
            `${home}/32`,
            'via',
            lab.scannerV4,
          ]);
          if (r.code !== 0) throw new Error(`route to ${home} in ${lab.targetNs}: ${r.stderr}`);
        }
      }
    }

    // ---- the server
    const host = labs[0]?.lab.scannerV4 ?? '127.0.0.1';
    const dir = mkdtempSync(join(os.tmpdir(), 'selfscan-load-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const raised = {
      SELFSCAN_RATE_LIMIT_PER_ADDRESS: String(10 * MAX_ROUNDS),
      SELFSCAN_RATE_LIMIT_PER_NETWORK: '100000',
      SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: String(10 * MAX_ROUNDS),
      SELFSCAN_CONSENT_LIMIT_PER_NETWORK: '100000',
      SELFSCAN_QUEUE_MAX: '100000',
    } as Record<string, string>;
    if (args.spike > 0) delete raised.SELFSCAN_QUEUE_MAX; // the cap is what a spike must meet
    let server: Awaited<ReturnType<typeof startServerProcess>>;
    let cluster: Cluster | undefined;
    let pgUrl: string | undefined;
    if (args.scaled) {
      const db = await scratchDatabase();
      if (!db) throw new Error('--scaled needs PostgreSQL (SELFSCAN_TEST_DATABASE_URL)');
      cleanups.push(() => db.drop());
      pgUrl = db.url;
      const redis = await privateRedis();
      cleanups.push(() => redis.dispose());
      cluster = await startCluster({
        databaseUrl: db.url,
        redisUrl: redis.url,
        prefix: 'sstest-load',
        webs: 2,
        workers: 3,
        host,
        env: raised,
      });
      const c = cluster;
      cleanups.push(() => c.stop());
      server = c.webs[0]!;
    } else {
      server = await startServerProcess({
        host,
        dbDir: dir,
        env: { SELFSCAN_MODE: 'local', SELFSCAN_LOG_LEVEL: 'warn', ...raised },
      });
    }
    const webs = cluster ? cluster.webs : [server];
    cleanups.push(async () => {
      await server.kill();
    });
    const { port } = server;
    const pid = server.child.pid!;
    const config = loadConfig(server.env);
    const rssBaseline = procStatus(pid, 'VmRSS');

    const settings = [
      cluster
        ? `scaled out: 2 web nodes (ports ${webs.map((w) => w.port).join(', ')}) + 3 workers (SELFSCAN_SCAN_CONCURRENCY=${config.scanConcurrency} each), PostgreSQL scratch database, private redis-server (AOF); clients alternate web nodes`
        : `server: src/bin/server.ts, SQLite (${dir}), listening on ${host}:${port}, local mode`,
      `RAISED for this run: ${Object.entries(raised)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} (defaults 20 / 60 per hour, 500)`,
      `shipped defaults: SELFSCAN_SCAN_CONCURRENCY=${config.scanConcurrency} SELFSCAN_CONCURRENCY_PER_TARGET=${config.probe.concurrencyPerTarget} SELFSCAN_CONCURRENCY_MAX=${config.probe.concurrencyMax} SELFSCAN_PROBE_TIMEOUT_MIN_MS=${config.probe.timeoutMinMs} SELFSCAN_PROBE_TIMEOUT_MAX_MS=${config.probe.timeoutMaxMs} SELFSCAN_PROBE_RETRIES=${config.probe.retries}`,
      `clients: ${args.spike > 0 ? `${args.spike} loopback (spike: 127.10.0-7.x, 250 per /24, nothing listening)` : `${args.clients} loopback (127.0.1-4.x, ${Math.ceil(args.clients / 4)} per /24`}; open core ports bound per client: ${candidates.join(', ')}${wildcard.size ? `; already listening on every address: ${[...wildcard].filter((p) => CORE.includes(p)).join(', ') || 'none in core'}` : ''}) + ${labs.length} lab (${labs.filter((l) => l.group === 'lab-silent').length} silent: every core port dropped; ${labs.filter((l) => l.group === 'lab-mixed').length} mixed: 2 open, 2 admin-prohibited, 13 dropped; 1 ms each way)`,
      `each client: diagnoses one after another (preset core, ${CORE.length} ports), all clients at once, for ${args.durationS} s${args.rounds < MAX_ROUNDS ? ` or ${args.rounds} diagnoses` : ''}; then the ones in flight finish (cut off at ${args.durationS + 120} s)`,
    ];
    if (!args.json) for (const s of settings) process.stdout.write(`${s}\n`);
    if (labNote && !args.json) process.stdout.write(`${labNote}\n`);

    // ---- the run
    let peakRss = rssBaseline ?? 0;
    const sampler = setInterval(() => {
      const rss = procStatus(pid, 'VmRSS');
      if (rss !== undefined && rss > peakRss) peakRss = rss;
    }, 250);
    const outcomes: Outcome[] = [];
    const cpuBefore = cpuSeconds(pid) ?? 0;
    const driverBefore = process.cpuUsage();
    const started = performance.now();
    const stopStarting = started + args.durationS * 1000;
    let cutOff = false;
    const hardCap = setTimeout(
      () => {
        cutOff = true;
        for (const r of inFlight) r.destroy(new Error('cut off at the hard cap'));
        for (const c of labChildren) c.kill('SIGKILL');
      },
      (args.durationS + 120) * 1000,
    );
    const target = { host, port };
    const targetOf = (i: number) => ({ host, port: webs[i % webs.length]!.port });
    const runs: Promise<void>[] = [];
    const spikeGap = args.spike > 0 ? 10_000 / args.spike : 0;
    for (const [i, c] of loopback.entries())
      runs.push(
        (async () => {
          if (args.spike > 0) {
            // From idle: client i asks at i × 10 s / N, once.
            await new Promise((resolve) => setTimeout(resolve, i * spikeGap));
            outcomes.push(await loopbackDiagnosis(targetOf(i), c.address, c.truth));
            return;
          }
          for (let r = 0; r < args.rounds && performance.now() < stopStarting && !cutOff; r++)
            outcomes.push(await loopbackDiagnosis(targetOf(i), c.address, c.truth));
        })(),
      );
    for (const l of labs)
      runs.push(
        (async () => {
          for (let r = 0; r < args.rounds && performance.now() < stopStarting && !cutOff; r++)
            outcomes.push(await labDiagnosis(l.lab, l.group, target, l.truth, labChildren));
        })(),
      );
    await Promise.all(runs);
    const wallS = (performance.now() - started) / 1000;
    clearTimeout(hardCap);
    clearInterval(sampler);
    const vmHwm = procStatus(pid, 'VmHWM');
    const serverCpuS = (cpuSeconds(pid) ?? 0) - cpuBefore;
    const driverUsage = process.cpuUsage(driverBefore);
    const driverCpuS = (driverUsage.user + driverUsage.system) / 1e6;
    const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));

    // ---- the database: nothing may be left queued or running
    const rows = pgUrl
      ? await pgRows(pgUrl)
      : (server.db().prepare('select status, count(*) as n from scans group by status').all() as {
          status: string;
          n: number;
        }[]);
    const workerJobs = cluster?.workers.map((w) => w.jobsDone());
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const stuck = (byStatus.queued ?? 0) + (byStatus.running ?? 0);

    // stop() closes that connection first. A server still there after 30 s is killed: 'timeout'.
    const exit = await server.stop('SIGTERM', 30_000);
    const otherExits = await Promise.all([
      ...webs.slice(1).map((w) => w.stop('SIGTERM', 30_000)),
      ...(cluster?.workers ?? []).map((w) => w.stop('SIGTERM', 30_000)),
    ]);
    const othersClean = otherExits.every((e) => e.code === 0);
    const code = exit.signal === 'SIGKILL' ? ('timeout' as const) : exit.code;

    // ---- figures
    const done = outcomes.filter((o) => o.status === 'done');
    const count = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
    const lost = count('lost');
    const mismatched = done.filter((o) => o.mismatches.length > 0);
    const portMismatches = done.reduce((n, o) => n + o.mismatches.length, 0);
    const series = (field: 'latencyMs' | 'queuedMs' | 'scanningMs', g?: Group) =>
      done
        .filter((o) => g === undefined || o.group === g)
        .map((o) => o[field])
        .filter((x): x is number => x !== undefined)
        .sort((a, b) => a - b);
    const lat = (g?: Group) => series('latencyMs', g);
    const all = lat();
    const summary = {
      command,
      node: process.version,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
      clients: { loopback: loopback.length, lab: labs.length },
      durationS: args.durationS,
      rounds: args.rounds < MAX_ROUNDS ? args.rounds : null,
      raised,
      wallS: Number(wallS.toFixed(1)),
      diagnoses: {
        attempted: outcomes.length,
        done: done.length,
        failed: count('failed'),
        refused: count('refused'),
        clientErrors: count('error'),
        lost,
      },
      diagnosesPerS: Number((done.length / wallS).toFixed(1)),
      latencyMs: {
        p50: Math.round(percentile(all, 50)),
        p99: Math.round(percentile(all, 99)),
        max: Math.round(all.at(-1) ?? Number.NaN),
        queuedP50: Math.round(percentile(series('queuedMs'), 50)),
        queuedP99: Math.round(percentile(series('queuedMs'), 99)),
        scanningP50: Math.round(percentile(series('scanningMs'), 50)),
        scanningP99: Math.round(percentile(series('scanningMs'), 99)),
        byGroup: Object.fromEntries(
          (['loopback', 'lab-silent', 'lab-mixed'] as const)
            .filter((g) => lat(g).length > 0)
            .map((g) => [
              g,
              {
                n: lat(g).length,
                p50: Math.round(percentile(lat(g), 50)),
                p99: Math.round(percentile(lat(g), 99)),
                queuedP50: Math.round(percentile(series('queuedMs', g), 50)),
                scanningP50: Math.round(percentile(series('scanningMs', g), 50)),
                scanningP99: Math.round(percentile(series('scanningMs', g), 99)),
              },
            ]),
        ),
      },
      serverRssKiB: { baseline: rssBaseline, peakSampled: peakRss, vmHWM: vmHwm },
      serverCpu: {
        seconds: Number(serverCpuS.toFixed(1)),
        ofWall: Number((serverCpuS / wallS).toFixed(2)),
        msPerDiagnosis: done.length > 0 ? Math.round((serverCpuS * 1000) / done.length) : null,
      },
      driverCpuS: Number(driverCpuS.toFixed(1)),
      loadAverage,
      database: { byStatus, stuckQueuedOrRunning: stuck },
      ...(workerJobs && { jobsPerWorker: workerJobs }),
      ...(args.spike > 0 && {
        spike: {
          requested: args.spike,
          withinS: 10,
          refused503WithRetryAfter: outcomes.filter(
            (o) => o.status === 'refused' && o.http === 503 && o.retryAfter,
          ).length,
        },
      }),
      mismatches: { scans: mismatched.length, ports: portMismatches },
      serverExit: code,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const mib = (k?: number) => (k === undefined ? '?' : `${(k / 1024).toFixed(0)} MiB`);
      const lines = [
        '',
        `command: ${command}`,
        `machine: ${summary.cpus}, node ${process.version}`,
        `diagnoses: ${done.length} done of ${outcomes.length} attempted in ${summary.wallS} s → ${summary.diagnosesPerS} diagnoses/s`,
        `latency consent → end: p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, max ${summary.latencyMs.max} ms`,
        `  of which waiting in the queue (createdAt → startedAt): p50 ${summary.latencyMs.queuedP50} ms, p99 ${summary.latencyMs.queuedP99} ms; scanning (startedAt → finishedAt): p50 ${summary.latencyMs.scanningP50} ms, p99 ${summary.latencyMs.scanningP99} ms`,
        ...Object.entries(summary.latencyMs.byGroup).map(
          ([g, v]) =>
            `  ${g}: n=${v.n} p50 ${v.p50} ms, p99 ${v.p99} ms (queued p50 ${v.queuedP50} ms; scanning p50 ${v.scanningP50} ms, p99 ${v.scanningP99} ms)`,
        ),
        `server RSS: baseline ${mib(rssBaseline)}, peak (VmHWM) ${mib(vmHwm)}; server CPU ${summary.serverCpu.seconds} s in ${summary.wallS} s wall (${Math.round(summary.serverCpu.ofWall * 100)} % of one core; ${summary.serverCpu.msPerDiagnosis} ms CPU per diagnosis)`,
        `load driver CPU ${summary.driverCpuS} s (this process: clients + loopback listeners); load average at the end ${loadAverage.join(' ')} on ${os.cpus().length} CPUs`,
        `scans lost: ${lost} (accepted, never done); rows still queued/running in the database: ${stuck}`,
        `failed: ${count('failed')}, refused (no 202): ${count('refused')}, client errors: ${count('error')}`,
        `port states differing from ground truth: ${portMismatches} (in ${mismatched.length} of ${done.length} scans)`,
        `database: ${JSON.stringify(byStatus)}; server exit after SIGTERM: ${code}`,
        ...(workerJobs
          ? [
              `jobs per worker: ${workerJobs.join(', ')}; other nodes exited cleanly: ${othersClean}`,
            ]
          : []),
        ...(summary.spike
          ? [
              `spike: ${args.spike} diagnoses requested within 10 s from idle; refused up front with 503 + Retry-After: ${summary.spike.refused503WithRetryAfter}`,
            ]
          : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    for (const o of outcomes
      .filter((x) => x.status !== 'done' || x.mismatches.length > 0)
      .slice(0, 10))
      process.stderr.write(
        `  ${o.group} ${o.client}: ${o.status}${o.http ? ` HTTP ${o.http}` : ''}${o.detail ? ` ${o.detail}` : ''} ${o.mismatches.slice(0, 3).join('; ')}\n`,
      );
    const ok =
      lost === 0 &&
      stuck === 0 &&
      portMismatches === 0 &&
      count('failed') === 0 &&
      // A spike may be refused, but only up front with 503 + Retry-After.
      outcomes.every(
        (o) => o.status !== 'refused' || (args.spike > 0 && o.http === 503 && o.retryAfter),
      ) &&
      othersClean &&
      count('error') === 0 &&
      code === 0;
    process.stdout.write(`${ok ? 'PASS' : 'FAIL'}\n`);
    exitCode = ok ? 0 : 1;
  } finally {
    for (const c of labChildren) c.kill('SIGKILL');
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`cleanup: ${(err as Error).message}\n`);
      }
    }
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
    process.exit(1);
  },
);
