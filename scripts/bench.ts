// npm run bench [-- --quick] [--json] [--out docs/benchmarks.md] [--cap-min 10]
// npm run bench -- --e2e [--db sqlite,postgres] [--paths clean,stealth] [--runs 3] [--quick]
//
// --e2e: the whole service instead of the core alone — the real server (src/bin/server.ts, local
// mode) in the root namespace on the lab's scanner address, and a client inside the target
// namespace doing what a user does: consent → scan → SSE until `end` → GET
// (test/helpers/http-client.mjs --quiet); side by side in the same run, over the same path, with
// the core alone and nmap. Wall time of the service = consent → final GET as the client saw it.
// Accuracy is read from the final JSON; every streamed id must be 1..n once. PostgreSQL:
// SELFSCAN_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), a fresh schema.
//
// Scans one realistic target in the namespace lab (test/helpers/lab.ts) with selfscan's scanner
// core, using the shipped DEFAULT_SCAN_OPTIONS, and with `nmap -sT -T4`, over three paths:
//   clean   veth, no delay, no loss
//   rtt30   TUN pair through tun-delay, 15 ms each way (30 ms round trip)
//   loss1   veth with 1 % random loss on every packet, both directions (nft numgen)
// and three port lists: the core preset, TCP 1–1055 and TCP 1–65535 (--quick skips 1–65535).
// Both scanners run as separate processes in the same scanner namespace over the same path, and
// both results are checked port by port against the ground truth the lab configured. Then a worst
// case: the core list with every port dropped, selfscan alone.
//
// Needs root, iproute2, nftables, gcc (tun-delay) and Debian's nmap. Every run is capped
// (--cap-min, default 10 minutes); a run that hits the cap is reported as a timeout.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import pg from 'pg';
import { presetPorts } from '../src/core/catalog.js';
import type { PortState } from '../src/core/port-state.js';
import { DEFAULT_SCAN_OPTIONS } from '../src/core/scan.js';
import {
  createLab,
  httpClientCommand,
  type Lab,
  labSupport,
  portRanges,
} from '../test/helpers/lab.js';
import { type ServerProcess, startServerProcess } from '../test/helpers/server-process.js';

const FALLBACK_CORE = [
  445, 139, 135, 3389, 5900, 22, 23, 2323, 5555, 7547, 80, 8080, 21, 1433, 3306, 6379, 5000,
];

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  quick: boolean;
  json: boolean;
  out?: string;
  capMs: number;
  paths: string[];
  /** Runs per list and scanner; the table shows the median wall time and the worst accuracy. */
  runs: number;
  /** The whole service end to end beside the core and nmap (see the top). */
  e2e: boolean;
  dbs: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    json: false,
    capMs: 10 * 60_000,
    paths: ['clean', 'rtt30', 'loss1', 'stealth', 'synlimit'],
    runs: 1,
    e2e: false,
    dbs: ['sqlite', 'postgres'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = true;
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--cap-min') args.capMs = Number(argv[++i]) * 60_000;
    else if (a === '--paths') args.paths = (argv[++i] ?? '').split(',');
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--e2e') args.e2e = true;
    else if (a === '--db') args.dbs = (argv[++i] ?? '').split(',');
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench -- [--quick] [--json] [--out docs/benchmarks.md] [--cap-min 10] [--paths clean,rtt30,loss1,stealth,synlimit] [--runs 3]\n',
      );
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  if (!(args.capMs > 0)) throw new Error('--cap-min must be a positive number');
  if (!Number.isInteger(args.runs) || args.runs < 1 || args.runs > 9)
    throw new Error('--runs takes 1 to 9');
  if (args.out === undefined && argv.includes('--out')) throw new Error('--out needs a path');
  for (const p of args.paths) if (!PATHS[p]) throw new Error(`unknown path ${p}`);
  for (const d of args.dbs)
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown database ${d}`);
  return args;
}

const SYN_LIMIT = 'tcp flags & (syn | ack) == syn limit rate over 200/second burst 50 packets drop';

interface BenchPath {
  label: string;
  opts: { delayMs?: number; lossPercent?: number };
  /** Every port that is not open is dropped (no RST, no ICMP). */
  stealth?: boolean;
  /** An extra rule in the target's input chain. */
  rule?: string;
  /** Lists too long for this path (what the rule alone makes them cost). */
  skip?: { list: string; why: string };
}

const PATHS: Record<string, BenchPath> = {
  clean: { label: 'veth, no delay, no loss', opts: {} },
  rtt30: { label: '30 ms RTT (tun-delay 15 ms each way)', opts: { delayMs: 15 } },
  loss1: { label: '1 % loss, every packet, both ways', opts: { lossPercent: 1 } },
  stealth: {
    label: 'every port that is not open dropped (how most home routers look)',
    opts: {},
    stealth: true,
  },
  synlimit: {
    label: `SYN rate limit at the target (\`${SYN_LIMIT}\`)`,
    opts: {},
    rule: SYN_LIMIT,
    skip: { list: '1–65535', why: '65 535 SYNs at 200/s take 5.5 minutes by the limit alone' },
  },
};

// ---------------------------------------------------------------------------------------------
// Ground truth: deterministic, so every run scans the same target

type Truth = 'open' | 'closed' | 'filtered';

interface Target {
  open: number[];
  dropped: number[];
  rejected: number[];
  truth(port: number): Truth;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Core ports: a quarter open, a quarter dropped, one rejected, the rest closed. The whole range:
 *  ~1 % open, ~1 % dropped, ~0.1 % rejected (ICMP admin-prohibited), everything else closed. */
function buildTarget(core: readonly number[]): Target {
  const state = new Map<number, Truth | 'rejected'>();
  core.forEach((p, i) => {
    if (i % 4 === 0) state.set(p, 'open');
    else if (i % 4 === 1) state.set(p, 'filtered');
    else if (i === 2) state.set(p, 'rejected');
  });
  const rnd = mulberry32(0x5e1f5ca1);
  for (let p = 1; p <= 65535; p++) {
    if (state.has(p) || core.includes(p)) continue;
    const x = rnd();
    if (x < 0.01) state.set(p, 'open');
    else if (x < 0.02) state.set(p, 'filtered');
    else if (x < 0.021) state.set(p, 'rejected');
  }
  const pick = (s: Truth | 'rejected') => [...state].filter(([, v]) => v === s).map(([p]) => p);
  return {
    open: pick('open'),
    dropped: pick('filtered'),
    rejected: pick('rejected'),
    truth(port) {
      const s = state.get(port);
      if (s === undefined) return 'closed';
      return s === 'rejected' ? 'filtered' : s;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Runs

interface RunResult {
  /** Scan wall time in seconds (selfscan: inside the child, without Node/tsx start-up; nmap:
   *  its own `elapsed`), or undefined when the run failed or hit the cap. */
  wallS?: number;
  /** Wall time of the whole child process, seconds. */
  processS: number;
  timedOut: boolean;
  error?: string;
  correct: number;
  wrong: number;
  /** Wrong verdicts by kind, e.g. { 'open→filtered': 3 }. */
  mistakes: Record<string, number>;
  states: Record<string, number>;
}

function score(
  ports: readonly number[],
  target: Target,
  found: Map<number, string>,
): Pick<RunResult, 'correct' | 'wrong' | 'mistakes' | 'states'> {
  let correct = 0;
  const mistakes: Record<string, number> = {};
  const states: Record<string, number> = {};
  for (const p of ports) {
    const got = found.get(p) ?? 'missing';
    states[got] = (states[got] ?? 0) + 1;
    const want = target.truth(p);
    if (got === want) correct++;
    else {
      const k = `${want}→${got}`;
      mistakes[k] = (mistakes[k] ?? 0) + 1;
    }
  }
  return { correct, wrong: ports.length - correct, mistakes, states };
}

async function runSelfscan(
  lab: Lab,
  address: string,
  ports: readonly number[],
  target: Target,
  capMs: number,
): Promise<RunResult> {
  const t0 = performance.now();
  const r = await lab.runScannerChild(
    { address, family: 4, ports: [...ports] },
    { timeoutMs: capMs },
  );
  const processS = (performance.now() - t0) / 1000;
  const timedOut = r.code === null && processS * 1000 >= capMs - 1000;
  if (!r.output) {
    return {
      processS,
      timedOut,
      error: timedOut ? 'timeout' : `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`,
      ...score(ports, target, new Map()),
    };
  }
  const found = new Map<number, PortState>(r.output.results.map((x) => [x.port, x.state]));
  const rep = r.output.report;
  if (rep)
    process.stderr.write(
      `  timing: window ${rep.window.low}–${rep.window.high} (end ${rep.window.final}), send delay ≤ ${rep.window.sendDelayMs} ms, ${rep.window.slowdowns} slowdowns, ${rep.reprobes} re-probes, ${rep.lateAnswers} late answers, deadline ${rep.timeoutMs} ms\n`,
    );
  return {
    wallS: r.output.wallMs / 1000,
    processS,
    timedOut: false,
    ...score(ports, target, found),
  };
}

/** Ports and states from nmap's XML, including the collapsed `extraports` ranges. */
export function parseNmapXml(xml: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const m of xml.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([^"]+)"/g)) {
    found.set(Number(m[1]), m[2]!);
  }
  for (const block of xml.matchAll(/<extraports state="([^"]+)"[^>]*>([\s\S]*?)<\/extraports>/g)) {
    const state = block[1]!;
    for (const r of block[2]!.matchAll(/<extrareasons [^>]*ports="([^"]+)"/g)) {
      for (const part of r[1]!.split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let p = a!; p <= (b ?? a!); p++) found.set(p, state);
      }
    }
  }
  return found;
}

async function runNmap(
  lab: Lab,
  address: string,
  ports: readonly number[],
  target: Target,
  capMs: number,
): Promise<RunResult> {
  const t0 = performance.now();
  const r = await lab.execInScanner(
    [
      'nmap',
      '-sT',
      '-T4',
      '-n',
      '-Pn',
      '-p',
      portRanges(ports).join(','),
      '--reason',
      '-oX',
      '-',
      address,
    ],
    { timeoutMs: capMs },
  );
  const processS = (performance.now() - t0) / 1000;
  const timedOut = r.code === null;
  const elapsed = /<finished [^>]*elapsed="([\d.]+)"/.exec(r.stdout);
  if (r.code !== 0 || !elapsed) {
    return {
      processS,
      timedOut,
      error: timedOut ? 'timeout' : `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`,
      ...score(ports, target, new Map()),
    };
  }
  return {
    wallS: Number(elapsed[1]),
    processS,
    timedOut: false,
    ...score(ports, target, parseNmapXml(r.stdout)),
  };
}

const PG_URL = process.env.SELFSCAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The real server on the lab's scanner address, on a fresh SQLite file or PostgreSQL schema. */
async function startE2eServer(
  lab: Lab,
  db: string,
): Promise<{ server: ServerProcess; close(): Promise<void> }> {
  let databaseUrl: string | undefined;
  let dropSchema = async () => {};
  if (db === 'postgres') {
    const schema = `bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
    dropSchema = async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    };
  }
  const server = await startServerProcess({
    host: lab.scannerV4,
    ...(databaseUrl ? { databaseUrl } : {}),
    env: {
      SELFSCAN_MODE: 'local',
      SELFSCAN_LOG_LEVEL: 'warn',
      // One client runs diagnosis after diagnosis of its own address.
      SELFSCAN_RATE_LIMIT_PER_ADDRESS: '100000',
      SELFSCAN_RATE_LIMIT_PER_NETWORK: '100000',
    },
  });
  return {
    server,
    async close() {
      await server.stop();
      await dropSchema();
    },
  };
}

async function runE2e(
  lab: Lab,
  server: ServerProcess,
  ports: readonly number[],
  target: Target,
  capMs: number,
): Promise<RunResult> {
  const t0 = performance.now();
  const r = await lab.execInTarget(
    httpClientCommand(server.baseUrl, [
      '--ports',
      portRanges(ports).join(','),
      '--timeout-ms',
      String(capMs),
      '--quiet',
    ]),
    { timeoutMs: capMs + 5000 },
  );
  const processS = (performance.now() - t0) / 1000;
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const final = lines.find((l) => l.step === 'final') as
    | { consentToFinalMs: number; scan: { results: { port: number; state: string }[] } }
    | undefined;
  const events = lines.find((l) => l.step === 'events') as
    | { results: number; idsOneToN: boolean }
    | undefined;
  const error = lines.find((l) => l.step === 'error')?.message;
  if (r.code !== 0 || !final || !events) {
    return {
      processS,
      timedOut: r.code === null,
      error: String(error ?? `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`),
      ...score(ports, target, new Map()),
    };
  }
  const scored = score(ports, target, new Map(final.scan.results.map((x) => [x.port, x.state])));
  if (events.results !== ports.length || !events.idsOneToN) {
    scored.mistakes[`stream: ${events.results} events, ids 1..n ${events.idsOneToN}`] = 1;
    scored.wrong = Math.max(scored.wrong, 1);
  }
  return { wallS: final.consentToFinalMs / 1000, processS, timedOut: false, ...scored };
}

/** The core list, 1–1055 and (unless --quick) 1–65535. */
function portLists(core: number[], quick: boolean): { name: string; ports: number[] }[] {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  return [
    { name: 'core', ports: core },
    { name: '1–1055', ports: range(1055) },
    ...(quick ? [] : [{ name: '1–65535', ports: range(65535) }]),
  ];
}

/** Listeners, drops and rejects of the target for this path; returns the path's ground truth. */
async function prepareTarget(
  lab: Lab,
  path: BenchPath,
  target: Target,
  clientInTarget = false,
): Promise<Target> {
  // The --e2e client lives in the target: the answers to its own connections (to ephemeral
  // ports, which the drop rules below could match) must come in. Probes are new connections.
  if (clientInTarget) await lab.addTargetInputRule('ct state established,related accept');
  await lab.listen(target.open);
  if (path.stealth) {
    await lab.addTargetInputRule(`tcp dport != { ${portRanges(target.open).join(', ')} } drop`);
  } else {
    await lab.drop(target.dropped);
    await lab.reject(target.rejected);
  }
  if (path.rule) await lab.addTargetInputRule(path.rule);
  const openSet = new Set(target.open);
  return path.stealth
    ? { ...target, truth: (p) => (openSet.has(p) ? 'open' : 'filtered') }
    : target;
}

async function icmpRttMs(lab: Lab, address: string): Promise<number | undefined> {
  const r = await lab.execInScanner(['nmap', '-sn', '-PE', '-n', address, '-oX', '-']);
  const m = /<times srtt="(\d+)"/.exec(r.stdout);
  return m ? Number(m[1]) / 1000 : undefined;
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Row {
  path: string;
  list: string;
  ports: number;
  selfscan: RunResult;
  nmap?: RunResult;
}

/** The run with the median wall time, carrying the worst accuracy of all runs. */
function medianRun(runs: RunResult[]): RunResult {
  const timed = runs.filter((r) => r.wallS !== undefined).sort((a, b) => a.wallS! - b.wallS!);
  const mid = timed[Math.floor((timed.length - 1) / 2)] ?? runs[0]!;
  const worst = runs.reduce((w, r) => (r.wrong > w.wrong ? r : w), runs[0]!);
  return { ...mid, correct: worst.correct, wrong: worst.wrong, mistakes: worst.mistakes };
}

function fmtWall(r: RunResult | undefined): string {
  if (!r) return '—';
  if (r.timedOut) return 'timeout';
  if (r.wallS === undefined) return 'failed';
  return r.wallS.toFixed(2);
}

function fmtAcc(r: RunResult | undefined, total: number): string {
  if (!r) return '—';
  if (r.wallS === undefined) return r.timedOut ? 'timeout' : 'failed';
  const pct = ((100 * r.correct) / total).toFixed(r.wrong === 0 ? 0 : 3);
  const detail = Object.entries(r.mistakes)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return r.wrong === 0 ? `${pct} %` : `${pct} % (${detail})`;
}

function fmtRatio(a: RunResult, b: RunResult | undefined): string {
  if (a.wallS === undefined || b?.wallS === undefined || b.wallS === 0) return '—';
  return `${(a.wallS / b.wallS).toFixed(2)}×`;
}

function table(rows: Row[]): string[][] {
  return rows.map((r) => [
    r.path,
    `${r.list} (${r.ports})`,
    fmtWall(r.selfscan),
    fmtWall(r.nmap),
    fmtRatio(r.selfscan, r.nmap),
    fmtAcc(r.selfscan, r.ports),
    fmtAcc(r.nmap, r.ports),
  ]);
}

const HEAD = [
  'path',
  'list (ports)',
  'selfscan s',
  'nmap s',
  'ratio',
  'selfscan accuracy',
  'nmap accuracy',
];

function textTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function mdTable(head: string[], body: string[][]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const support = labSupport();
  if (!support.ok) {
    process.stderr.write(`bench: the namespace lab cannot run here: ${support.why}\n`);
    process.exit(1);
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (args.e2e) return mainE2e(args, argv, log);

  let core: number[];
  let coreSource: string;
  try {
    core = presetPorts('core');
    coreSource = "presetPorts('core')";
  } catch {
    core = FALLBACK_CORE;
    coreSource = 'fallback list';
  }
  const lists = portLists(core, args.quick);

  const target = buildTarget(core);
  const defaults = { ...DEFAULT_SCAN_OPTIONS };
  const machine = {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    kernel: os.release(),
    node: process.version,
    nmap: sh('nmap', ['-V']).split('\n')[0] ?? 'unknown',
  };
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const date = new Date().toISOString();

  log(`selfscan bench — ${date}`);
  log(
    `machine: ${machine.nproc} CPUs (${machine.cpu}), Linux ${machine.kernel}, Node ${machine.node}, ${machine.nmap}`,
  );
  log(`DEFAULT_SCAN_OPTIONS: ${JSON.stringify(defaults)}`);
  log(`core list (${coreSource}, ${core.length} ports): ${core.join(',')}`);
  log(
    `target: ${target.open.length} open, ${target.dropped.length} dropped, ${target.rejected.length} rejected (admin-prohibited), the rest closed`,
  );

  const rows: Row[] = [];
  const worst: Row[] = [];
  const rtts: Record<string, number | undefined> = {};
  for (const pathName of args.paths) {
    const path = PATHS[pathName]!;
    log(`\n[${pathName}] building lab: ${path.label}`);
    const lab = await createLab({ ...path.opts, scannerNamespace: true });
    try {
      const pathTarget = await prepareTarget(lab, path, target);
      rtts[pathName] = await icmpRttMs(lab, lab.targetV4);
      log(`[${pathName}] ICMP echo RTT ${rtts[pathName]?.toFixed(2) ?? '?'} ms`);
      for (const list of lists) {
        if (path.skip?.list === list.name) {
          log(`[${pathName}] ${list.name}: skipped (${path.skip.why})`);
          continue;
        }
        const selfRuns: RunResult[] = [];
        const nmapRuns: RunResult[] = [];
        for (let run = 1; run <= args.runs; run++) {
          log(`[${pathName}] ${list.name}: selfscan (run ${run}/${args.runs})…`);
          const s1 = await runSelfscan(lab, lab.targetV4, list.ports, pathTarget, args.capMs);
          log(
            `  selfscan ${fmtWall(s1)} s, ${fmtAcc(s1, list.ports.length)}${s1.error ? ` (${s1.error})` : ''}`,
          );
          selfRuns.push(s1);
          log(`[${pathName}] ${list.name}: nmap (run ${run}/${args.runs})…`);
          const n1 = await runNmap(lab, lab.targetV4, list.ports, pathTarget, args.capMs);
          log(
            `  nmap ${fmtWall(n1)} s, ${fmtAcc(n1, list.ports.length)}${n1.error ? ` (${n1.error})` : ''}`,
          );
          nmapRuns.push(n1);
        }
        const s = medianRun(selfRuns);
        const n = medianRun(nmapRuns);
        rows.push({
          path: pathName,
          list: list.name,
          ports: list.ports.length,
          selfscan: s,
          nmap: n,
        });
      }
      // Worst case: nothing answers at all.
      await lab.dropAll();
      const allDropped: Target = { ...target, truth: () => 'filtered' };
      log(`[${pathName}] worst case: core list, every port dropped…`);
      const w = await runSelfscan(lab, lab.targetV4, core, allDropped, args.capMs);
      log(`  selfscan ${fmtWall(w)} s, ${fmtAcc(w, core.length)}`);
      worst.push({ path: pathName, list: 'core, all dropped', ports: core.length, selfscan: w });
    } finally {
      await lab.close();
    }
  }

  const body = table(rows);
  const worstBody = worst.map((r) => [
    r.path,
    `${r.list} (${r.ports})`,
    fmtWall(r.selfscan),
    fmtAcc(r.selfscan, r.ports),
  ]);
  const worstHead = ['path', 'list (ports)', 'selfscan s', 'selfscan accuracy'];
  const report = {
    command,
    date,
    machine,
    defaults,
    coreSource,
    core,
    target: {
      open: target.open.length,
      dropped: target.dropped.length,
      rejected: target.rejected.length,
    },
    rttMs: rtts,
    rows,
    worst,
  };

  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(`\nDEFAULT_SCAN_OPTIONS ${JSON.stringify(defaults)}\n\n`);
    process.stdout.write(
      `${textTable(HEAD, body)}\n\nWorst case (selfscan alone)\n${textTable(worstHead, worstBody)}\n`,
    );
  }

  if (args.out) {
    const section = [
      '<!-- bench-results:start (written by scripts/bench.ts; edit outside these markers) -->',
      '## Scanner core against nmap',
      '',
      `Command: \`${command}\` — ${date}`,
      '',
      `Machine: ${machine.nproc} CPUs (${machine.cpu}), Linux ${machine.kernel}, Node ${machine.node}, ${machine.nmap}.`,
      '',
      `selfscan ran with \`DEFAULT_SCAN_OPTIONS\` = \`${JSON.stringify(defaults)}\`; nmap ran as` +
        ' `nmap -sT -T4 -n -Pn -p <list> --reason -oX -`. Both ran as their own process in the same' +
        ' scanner network namespace, over the same path, against the same target namespace.' +
        ' Wall time is the scan itself (selfscan: measured inside its process, without Node start-up;' +
        ' nmap: its XML `elapsed`). Ratio = selfscan / nmap. Accuracy = ports whose state equals the' +
        ' ground truth; mistakes are listed as truth→reported.',
      '',
      `Target (IPv4, lab addresses in 198.18.0.0/15): ${target.open.length} open ports, ` +
        `${target.dropped.length} silently dropped (filtered), ${target.rejected.length} rejected with ` +
        'ICMP admin-prohibited (filtered), every other port closed (RST). The core list ' +
        `(${coreSource}, ${core.length} ports) is a quarter open, a quarter dropped, one rejected.`,
      '',
      `Paths: ${args.paths.map((p) => `**${p}** = ${PATHS[p]!.label} (ICMP RTT ${rtts[p]?.toFixed(2) ?? '?'} ms)`).join('; ')}.`,
      '',
      mdTable(HEAD, body),
      '',
      'Worst case — nothing answers (every TCP packet dropped), selfscan alone:',
      '',
      mdTable(worstHead, worstBody),
      '<!-- bench-results:end -->',
    ].join('\n');
    const start = '<!-- bench-results:start';
    const end = '<!-- bench-results:end -->';
    let doc = existsSync(args.out) ? readFileSync(args.out, 'utf8') : '# Benchmarks\n';
    const i = doc.indexOf(start);
    const j = doc.indexOf(end);
    if (i >= 0 && j > i) doc = `${doc.slice(0, i)}${section}${doc.slice(j + end.length)}`;
    else doc = `${doc.trimEnd()}\n\n${section}\n`;
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, doc);
    log(`\nwrote ${args.out}`);
  }
}

interface E2eRow {
  path: string;
  list: string;
  ports: number;
  db: string;
  e2e: RunResult;
  core: RunResult;
  nmap: RunResult;
}

const E2E_HEAD = [
  'path',
  'list (ports)',
  'db',
  'service s',
  'core s',
  'nmap s',
  'service/core',
  'service/nmap',
  'service accuracy',
  'core accuracy',
  'nmap accuracy',
];

/** --e2e: the service end to end beside the core alone and nmap (see the top of this file). */
async function mainE2e(args: Args, argv: string[], log: (s: string) => void): Promise<void> {
  const core = presetPorts('core');
  const lists = portLists(core, args.quick);
  const target = buildTarget(core);
  const command = `npm run bench -- ${argv.join(' ')}`;
  log(
    `selfscan bench --e2e — ${new Date().toISOString()}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows: E2eRow[] = [];
  for (const pathName of args.paths) {
    const path = PATHS[pathName]!;
    log(`\n[${pathName}] building lab: ${path.label}`);
    // The server runs in the root namespace: the scanner side of the lab is the root namespace.
    const lab = await createLab({ ...path.opts });
    const servers: { db: string; server: ServerProcess; close(): Promise<void> }[] = [];
    try {
      const pathTarget = await prepareTarget(lab, path, target, true);
      for (const db of args.dbs) servers.push({ db, ...(await startE2eServer(lab, db)) });
      for (const list of lists) {
        if (path.skip?.list === list.name) continue;
        const coreRuns: RunResult[] = [];
        const nmapRuns: RunResult[] = [];
        const e2eRuns = new Map<string, RunResult[]>(args.dbs.map((d) => [d, []]));
        for (let run = 1; run <= args.runs; run++) {
          const c = await runSelfscan(lab, lab.targetV4, list.ports, pathTarget, args.capMs);
          coreRuns.push(c);
          const n = await runNmap(lab, lab.targetV4, list.ports, pathTarget, args.capMs);
          nmapRuns.push(n);
          for (const { db, server } of servers) {
            const e = await runE2e(lab, server, list.ports, pathTarget, args.capMs);
            e2eRuns.get(db)!.push(e);
            log(
              `[${pathName}] ${list.name} run ${run}: service (${db}) ${fmtWall(e)} s ${fmtAcc(e, list.ports.length)}${e.error ? ` (${e.error})` : ''}; core ${fmtWall(c)} s; nmap ${fmtWall(n)} s`,
            );
          }
        }
        for (const db of args.dbs)
          rows.push({
            path: pathName,
            list: list.name,
            ports: list.ports.length,
            db,
            e2e: medianRun(e2eRuns.get(db)!),
            core: medianRun(coreRuns),
            nmap: medianRun(nmapRuns),
          });
      }
    } finally {
      for (const s of servers) await s.close().catch(() => undefined);
      await lab.close();
    }
  }
  const body = rows.map((r) => [
    r.path,
    `${r.list} (${r.ports})`,
    r.db,
    fmtWall(r.e2e),
    fmtWall(r.core),
    fmtWall(r.nmap),
    fmtRatio(r.e2e, r.core),
    fmtRatio(r.e2e, r.nmap),
    fmtAcc(r.e2e, r.ports),
    fmtAcc(r.core, r.ports),
    fmtAcc(r.nmap, r.ports),
  ]);
  if (args.json) process.stdout.write(`${JSON.stringify({ command, rows }, null, 2)}\n`);
  else
    process.stdout.write(
      `\n${command}\n${textTable(E2E_HEAD, body)}\n\n${mdTable(E2E_HEAD, body)}\n`,
    );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
