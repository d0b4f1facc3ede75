// The namespace lab: a target network namespace (and optionally a scanner namespace) joined by a
// veth pair, or by a TUN pair with a user-space delay line (tun-delay.c), with nftables rules in
// the target namespace for ground truth: drop (→ filtered, silent), reject (→ filtered, ICMP),
// random loss, and routes that make the scanner's own stack fail.
//
// Where traffic goes: only to addresses this file configures, taken from the benchmarking ranges
// 198.18.0.0/15 and 2001:2::/48, and only inside the devices and namespaces it creates. Every
// route it adds to the root namespace covers one lab address (/32 or /128) and is removed again.
//
// Address plan, block i (0 ≤ i < 16384, allocated with a lock file so parallel runs never share):
//   IPv4  198.18.0.0/15 + 8·i:  +1 scanner, +2 target (veth /30 or TUN point-to-point),
//                               +4..+7 route-failure addresses (never assigned to a device)
//   IPv6  2001:2:0:i::/64:      ::1 scanner, ::2 target, ::4..::7 route-failure addresses
//
// Which errno each failure injection gives on connect() (Linux 6.18, measured by
// test/integration/lab.test.ts, which asserts this table):
//   nft drop / dropAll                      → no errno: silence until the caller's timer fires
//   reject 'admin-prohibited' (icmpx)       → IPv4 EHOSTUNREACH   IPv6 EACCES  (ICMPv6 1/1)
//   reject 'host-unreachable' (icmpx)       → IPv4 EHOSTUNREACH   IPv6 EHOSTUNREACH (ICMPv6 1/3)
//   reject 'no-route' (icmpx)               → IPv4 ENETUNREACH    IPv6 ENETUNREACH  (ICMPv6 1/0)
//   reject 'port-unreachable' (icmpx)       → ECONNREFUSED (both)
//   reject 'tcp-reset'                      → ECONNREFUSED (both)
//   route 'unreachable' (scanner side)      → EHOSTUNREACH (both)
//   route 'prohibit'    (scanner side)      → EACCES (both)
//   route 'blackhole'   (scanner side)      → EINVAL (both)
//   route 'throw' in main, nothing after it → ENETUNREACH (both)  ← noRouteV4()
// Note that an ICMP "no route" from the PATH and a missing route in the scanner's OWN table both
// arrive as ENETUNREACH: connect() cannot tell them apart.
// (All ICMP cases answer within ~1 ms.) Caveat, zero-delay veth only: an ICMPv6 error to the
// FIRST SYN arrives while connect() still holds the socket lock, so the kernel keeps it as a soft
// error and connect() fails only at the 1 s SYN retransmission (measured ~1020 ms; IPv4 and TUN
// paths are not affected). Test IPv6 rejects with `delayMs: 1` or more.
//
// Cleanup: close() is idempotent; an 'exit' hook and SIGINT/SIGTERM handlers tear down labs still
// open; children exit by themselves when their stdin pipe closes (the test process died); a lab
// left behind by a killed process is swept by the next createLab() (lock files record what
// each lab created, with the owner's pid and start time).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { portRanges } from '../../src/core/port-ranges.js';
import type { PortResult } from '../../src/core/port-state.js';
import type { ScanReport } from '../../src/core/scan.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELPERS = join(REPO_ROOT, 'test', 'helpers');
const LAB_BIN = join(REPO_ROOT, '.lab-bin');
const STATE_DIR = '/tmp/selfscan-lab';
const BLOCKS = 16384; // 198.18.0.0/15 in blocks of 8 addresses
const NFT_TABLE = 'selfscan_lab';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface LabOptions {
  /** One-way delay in ms, added by tun-delay on a TUN pair instead of a veth (RTT = 2 × delay). */
  delayMs?: number;
  /** Random loss on every packet, both directions, by nft numgen in the target ns (may be 0.5). */
  lossPercent?: number;
  /** Put the scanner side in its own namespace too (per-netns sysctls, ulimits, nmap). */
  scannerNamespace?: boolean;
  /** Keep the kernel's ICMP rate limit in the target ns (default off, so every reject answers). */
  icmpRateLimit?: boolean;
  /** TCP ports whose round trip is `extraRttMs` longer than every other port's (a port forwarded
   *  to a device further away, behind a router that answers the rest at once). Uses the TUN pair. */
  slowPorts?: readonly { port: number; toPort?: number; extraRttMs: number }[];
}

/** What a rule in the SCANNER's own output chain does to a port (the scanner host's firewall). */
export type ScannerBlockKind = 'drop' | 'reject' | RejectKind;

export type RejectKind =
  | 'admin-prohibited'
  | 'host-unreachable'
  | 'no-route'
  | 'port-unreachable'
  | 'tcp-reset';

export type RouteFailureKind = 'unreachable' | 'prohibit' | 'blackhole' | 'throw';

export interface ScanChildInput {
  address: string;
  family: 4 | 6;
  ports: number[];
  /** Partial<ScanOptions> without `signal` (it cannot cross a process boundary). */
  options?: Record<string, unknown>;
  /** Open /dev/null until EMFILE before scanning; a number leaves that many fds free again. */
  exhaustFds?: boolean | number;
  /** Open and keep one TCP connection to address:port before scanning. */
  holdConnection?: { port: number };
}

export interface ScanChildOutput {
  results: PortResult[];
  /** Wall time of the scan itself (not the child's start-up), ms. */
  wallMs: number;
  /** fds opened to provoke EMFILE (after leaving `exhaustFds` free again), if asked. */
  fdsHeld?: number;
  /** The held connection's outcome, if asked: 'connected' or an errno code. */
  held?: string;
  /** What the scan's timing did (core/scan.ts ScanReport). */
  report?: ScanReport;
}

export interface ScanChildRun extends ExecResult {
  /** Parsed from the child's last stdout line; undefined when the child failed. */
  output?: ScanChildOutput;
}

export interface RunOptions {
  /** ms before the child is killed (SIGKILL); default 120 000. */
  timeoutMs?: number;
  /** RLIMIT_NOFILE (soft and hard) for the child, via prlimit; at most this process's hard limit. */
  nofile?: number;
}

export interface Lab {
  readonly id: string;
  readonly targetNs: string;
  /** Set only with `scannerNamespace: true`; otherwise the scanner is the root namespace. */
  readonly scannerNs?: string;
  readonly targetV4: string;
  readonly targetV6: string;
  readonly scannerV4: string;
  readonly scannerV6: string;
  readonly delayMs: number;
  readonly lossPercent: number;
  /** Starts one listener process in the target ns, on `::` (dual stack) for every port. */
  listen(ports: readonly number[], opts?: { mode?: 'close' | 'keep' }): Promise<void>;
  /** Silently drops TCP packets to these ports (→ filtered by timeout). */
  drop(ports: readonly number[]): Promise<void>;
  /** Answers SYNs to these ports with an ICMP error (default admin-prohibited) or a RST. */
  reject(ports: readonly number[], kind?: RejectKind): Promise<void>;
  /** Drops every TCP packet arriving in the target ns, whatever rules came before (nothing answers). */
  dropAll(): Promise<void>;
  /** Drops `percent` % of the TCP packets to these ports (target ns input). */
  lossOnPorts(ports: readonly number[], percent: number): Promise<void>;
  /** Removes every drop/reject/loss rule except the lab-wide `lossPercent`. */
  clearRules(): Promise<void>;
  /** Adds one rule (nft syntax after `add rule … input`) to the target ns input chain, e.g. a SYN
   *  rate limit: `tcp flags & (syn|ack) == syn limit rate over 200/second burst 50 packets drop`. */
  addTargetInputRule(rule: string): Promise<void>;
  /** Makes the target an egress reference: every TCP port is redirected (nft nat) to one
   *  listener, so every port accepts. Returns the listener's port. */
  acceptEveryPort(): Promise<number>;
  /** A rule in the scanner side's OUTPUT chain for these ports towards these lab addresses (the
   *  scanner host's own firewall). In the root namespace it goes into a table of this lab's,
   *  matching only the given lab addresses, removed at close. */
  blockOnScannerSide(
    ports: readonly number[],
    kind: ScannerBlockKind,
    destinations: readonly string[],
  ): Promise<void>;
  /** A lab address the scanner's own routing table cannot reach: connect() → ENETUNREACH. */
  noRouteV4(): Promise<string>;
  /** A lab address covered by a route of this kind on the scanner side (errno table above). */
  routeFailure(kind: RouteFailureKind, family: 4 | 6): Promise<string>;
  execInTarget(
    cmd: readonly string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  spawnInTarget(cmd: readonly string[]): ChildProcess;
  /** Runs a command on the scanner side (scanner ns, or the root ns when there is none). */
  execInScanner(
    cmd: readonly string[],
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<ExecResult>;
  spawnInScanner(cmd: readonly string[]): ChildProcess;
  /** sysctl -w in the scanner namespace (refused without one: root-ns sysctls are not ours). */
  sysctlScanner(key: string, value: string): Promise<void>;
  /** Runs test/helpers/scan-child.ts on the scanner side and parses its JSON line. */
  runScannerChild(input: ScanChildInput, opts?: RunOptions): Promise<ScanChildRun>;
  /** Sends SIGUSR1 to tun-delay and returns its counters line (delay labs only). */
  delayStats(): Promise<string | undefined>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Support check

let supportCache: { ok: true } | { ok: false; why: string } | undefined;

export function labSupport(): { ok: true } | { ok: false; why: string } {
  if (supportCache) return supportCache;
  supportCache = probeSupport();
  return supportCache;
}

function probeSupport(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: `platform is ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
  for (const tool of ['ip', 'nft', 'prlimit']) {
    try {
      execFileSync(tool, ['-V'], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync(tool, ['--version'], { stdio: 'ignore' });
      } catch {
        return {
          ok: false,
          why: `\`${tool}\` not found (install iproute2 / nftables / util-linux)`,
        };
      }
    }
  }
  const ns = `ss-${process.pid}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'probe'], {
      stdio: 'pipe',
    });
  } catch (err) {
    return { ok: false, why: `cannot create a netns with nft: ${firstLine(err)}` };
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {}
  }
  return { ok: true };
}

/** Returns false (and marks the test skipped, loudly) when the lab cannot run; throws under CI. */
export function requireLab(t: TestContext): boolean {
  const s = labSupport();
  if (s.ok) return true;
  if (process.env.CI === 'true') throw new Error(`namespace lab required under CI=true: ${s.why}`);
  process.stderr.write(`\n*** LAB SKIPPED: ${s.why} — namespace tests did NOT run ***\n\n`);
  t.skip(`LAB SKIPPED: ${s.why}`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Small utilities

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const text = e.stderr ? String(e.stderr) : (e.message ?? String(err));
  return text.trim().split('\n')[0] ?? '';
}

/** The command line of the lab's HTTP client (test/helpers/http-client.mjs: consent → scan →
 *  SSE → GET, one JSON line per step), to run inside a lab namespace. */
export function httpClientCommand(serverUrl: string, args: readonly string[]): string[] {
  return [process.execPath, join(HELPERS, 'http-client.mjs'), '--server', serverUrl, ...args];
}

export function run(
  file: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      file,
      args as string[],
      { timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolvePromise({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

async function must(file: string, args: readonly string[], input?: string): Promise<string> {
  const r = await run(file, args, { input });
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** The hard RLIMIT_NOFILE of this process (children inherit it). */
function hardNofile(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    if (hard === 'unlimited') return 1_048_576;
    const n = Number(hard);
    if (Number.isInteger(n) && n > 0) return n;
  } catch {}
  return 1024;
}

function v4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
const V4_BASE = (198 << 24) | (18 << 16);

/** Compresses a port list into nft/listener ranges: [1,2,3,7] → ['1-3', '7']. */
export { portRanges };

function nftSet(ports: readonly number[]): string {
  if (ports.length === 0) throw new Error('empty port list');
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`bad port ${p}`);
  }
  return `{ ${portRanges(ports).join(', ')} }`;
}

/** Waits for a line starting with `word` on the child's stdout. */
function waitForLine(
  child: ChildProcess,
  word: string,
  timeoutMs: number,
  what: string,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += String(d);
    });
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no ${word} within ${timeoutMs} ms. ${stderr.trim()}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what} exited (${code ?? signal}) before ${word}: ${stderr.trim()}`));
    };
    const onLine = (line: string) => {
      if (line.startsWith(word)) {
        cleanup();
        resolvePromise(line);
      } else if (line.startsWith('FAIL')) {
        cleanup();
        reject(new Error(`${what}: ${line} ${stderr.trim()}`));
      }
    };
    function cleanup() {
      clearTimeout(timer);
      rl.off('line', onLine);
      child.off('exit', onExit);
    }
    rl.on('line', onLine);
    child.once('exit', onExit);
  });
}

// ---------------------------------------------------------------------------------------------
// tun-delay binary, compiled on demand

let tunDelayBuild: Promise<string> | undefined;

export function tunDelayBinary(): Promise<string> {
  tunDelayBuild ??= (async () => {
    const src = join(HELPERS, 'tun-delay.c');
    const bin = join(LAB_BIN, 'tun-delay');
    if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return bin;
    mkdirSync(LAB_BIN, { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    await must('gcc', ['-O2', '-Wall', '-o', tmp, src]);
    await must('mv', ['-f', tmp, bin]);
    return bin;
  })();
  return tunDelayBuild;
}

// ---------------------------------------------------------------------------------------------
// Block allocation, state files, stale-lab sweeping

interface LabState {
  pid: number;
  start: string; // /proc/<pid>/stat starttime: guards against pid reuse
  block: number;
  netns: string[];
  rootLinks: string[];
  rootRoutes: string[][]; // argument lists for `ip`, e.g. ['-6', 'route', 'del', 'throw', p]
  rootNftTables?: string[]; // `inet` tables of this lab's in the root namespace
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm; starttime is field 22 overall.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

const MY_START = procStart(process.pid) ?? 'unknown';

function stateFile(block: number): string {
  return join(STATE_DIR, `block-${block}.json`);
}

function writeState(s: LabState): void {
  writeFileSync(stateFile(s.block), JSON.stringify(s));
}

function teardownSync(
  s: Pick<LabState, 'netns' | 'rootLinks' | 'rootRoutes' | 'rootNftTables'>,
): void {
  const quiet = { stdio: 'ignore' as const, timeout: 10_000 };
  for (const t of s.rootNftTables ?? []) {
    try {
      execFileSync('nft', ['delete', 'table', 'inet', t], quiet);
    } catch {}
  }
  for (const r of s.rootRoutes) {
    try {
      execFileSync('ip', r, quiet);
    } catch {}
  }
  for (const ns of s.netns) {
    try {
      execFileSync('ip', ['netns', 'del', ns], quiet);
    } catch {}
  }
  for (const l of s.rootLinks) {
    try {
      execFileSync('ip', ['link', 'del', l], quiet);
    } catch {}
  }
}

/** Removes labs whose owning process is gone (killed test runs). */
export function sweepStaleLabs(): number {
  if (!existsSync(STATE_DIR)) return 0;
  let swept = 0;
  for (const f of readdirSync(STATE_DIR)) {
    if (!/^block-\d+\.json$/.test(f)) continue;
    const path = join(STATE_DIR, f);
    let s: LabState;
    try {
      s = JSON.parse(readFileSync(path, 'utf8')) as LabState;
    } catch {
      continue; // being written right now, or foreign
    }
    if (procStart(s.pid) === s.start) continue; // owner alive
    teardownSync(s);
    rmSync(path, { force: true });
    swept++;
  }
  return swept;
}

function allocateBlock(seed: number): number {
  mkdirSync(STATE_DIR, { recursive: true });
  for (let k = 0; k < BLOCKS; k++) {
    const block = (seed + k) % BLOCKS;
    try {
      writeFileSync(
        stateFile(block),
        JSON.stringify({
          pid: process.pid,
          start: MY_START,
          block,
          netns: [],
          rootLinks: [],
          rootRoutes: [],
        }),
        { flag: 'wx' },
      );
      return block;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error('no free lab block in 198.18.0.0/15');
}

// ---------------------------------------------------------------------------------------------
// Process-wide cleanup of labs still open

const openLabs = new Set<LabImpl>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const lab of openLabs) lab.closeSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      for (const lab of openLabs) lab.closeSync();
      process.off(sig, handler);
      process.kill(process.pid, sig); // default action now: die by the same signal
    };
    process.on(sig, handler);
  }
}

// ---------------------------------------------------------------------------------------------
// The lab

let labCounter = 0;

class LabImpl implements Lab {
  readonly id: string;
  readonly targetNs: string;
  readonly scannerNs?: string;
  readonly targetV4: string;
  readonly targetV6: string;
  readonly scannerV4: string;
  readonly scannerV6: string;
  readonly delayMs: number;
  readonly lossPercent: number;
  private readonly state: LabState;
  private readonly children = new Set<ChildProcess>();
  private tunDelay?: ChildProcess;
  private readonly block: number;
  private readonly v6Prefix: string;
  private closing?: Promise<void>;
  private routes = new Map<string, string>();

  constructor(n: number, block: number, opts: LabOptions) {
    this.id = `${process.pid}-${n}`;
    this.block = block;
    this.targetNs = `ss-${this.id}-t`;
    if (opts.scannerNamespace) this.scannerNs = `ss-${this.id}-s`;
    const base = V4_BASE + block * 8;
    this.scannerV4 = v4(base + 1);
    this.targetV4 = v4(base + 2);
    this.v6Prefix = `2001:2:0:${block.toString(16)}`;
    this.scannerV6 = `${this.v6Prefix}::1`;
    this.targetV6 = `${this.v6Prefix}::2`;
    this.delayMs = opts.delayMs ?? 0;
    this.lossPercent = opts.lossPercent ?? 0;
    this.state = {
      pid: process.pid,
      start: MY_START,
      block,
      netns: [],
      rootLinks: [],
      rootRoutes: [],
    };
  }

  private get linkScanner(): string {
    return `ss${process.pid}x${labCounterSuffix(this.id)}a`;
  }
  private get linkTarget(): string {
    return `ss${process.pid}x${labCounterSuffix(this.id)}b`;
  }

  /** `ip` with `-n <ns>` for a namespace, or the root namespace when ns is undefined. */
  private ip(ns: string | undefined, args: readonly string[]): Promise<string> {
    return must('ip', ns ? ['-n', ns, ...args] : [...args]);
  }

  private inNs(ns: string | undefined, cmd: readonly string[]): [string, string[]] {
    if (!ns) return [cmd[0]!, cmd.slice(1)];
    return ['ip', ['netns', 'exec', ns, ...cmd]];
  }

  async setUp(opts: LabOptions): Promise<void> {
    const namespaces = [this.targetNs, ...(this.scannerNs ? [this.scannerNs] : [])];
    for (const ns of namespaces) {
      this.state.netns.push(ns);
      writeState(this.state);
      await must('ip', ['netns', 'add', ns]);
      await this.ip(ns, ['link', 'set', 'lo', 'up']);
      // Addresses usable at once: no IPv6 duplicate-address detection in lab namespaces.
      await this.sysctl(ns, 'net.ipv6.conf.all.accept_dad', '0');
      await this.sysctl(ns, 'net.ipv6.conf.default.accept_dad', '0');
    }
    if (!opts.icmpRateLimit) {
      // Every reject must answer: the kernel otherwise rate-limits ICMP errors per destination
      // (a burst of 6, then one per second) and globally (icmp_msgs_per_sec), which would turn
      // fast rejects into timeouts. The ratemask excludes destination-unreachable from both.
      await this.sysctl(this.targetNs, 'net.ipv4.icmp_ratemask', '0');
      await this.sysctl(this.targetNs, 'net.ipv6.icmp.ratelimit', '0');
      await this.sysctl(this.targetNs, 'net.ipv6.icmp.ratemask', '0,3-127'); // not type 1
    }

    const a = this.linkScanner;
    const b = this.linkTarget;
    this.state.rootLinks.push(a, b);
    writeState(this.state);
    const slow = (opts.slowPorts ?? []).map(
      ({ port, toPort, extraRttMs }) => `${port}${toPort ? `-${toPort}` : ''}:${extraRttMs}`,
    );
    if (this.delayMs > 0 || slow.length > 0) {
      const bin = await tunDelayBinary();
      const args = [a, b, String(this.delayMs), ...(slow.length > 0 ? ['0', ...slow] : [])];
      const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      this.tunDelay = child;
      this.children.add(child);
      child.on('exit', () => this.children.delete(child));
      await waitForLine(child, 'READY', 10_000, 'tun-delay');
      await this.ip(undefined, ['link', 'set', b, 'netns', this.targetNs]);
      if (this.scannerNs) await this.ip(undefined, ['link', 'set', a, 'netns', this.scannerNs]);
      // Room for bursts: the kernel queues packets for tun-delay to read.
      await this.ip(this.scannerNs, ['link', 'set', a, 'txqueuelen', '10000', 'up']);
      await this.ip(this.targetNs, ['link', 'set', b, 'txqueuelen', '10000', 'up']);
      await this.ip(this.scannerNs, [
        'addr',
        'add',
        this.scannerV4,
        'peer',
        this.targetV4,
        'dev',
        a,
      ]);
      await this.ip(this.targetNs, [
        'addr',
        'add',
        this.targetV4,
        'peer',
        this.scannerV4,
        'dev',
        b,
      ]);
    } else {
      await this.ip(undefined, ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      await this.ip(undefined, ['link', 'set', b, 'netns', this.targetNs]);
      if (this.scannerNs) await this.ip(undefined, ['link', 'set', a, 'netns', this.scannerNs]);
      await this.ip(this.scannerNs, ['link', 'set', a, 'up']);
      await this.ip(this.targetNs, ['link', 'set', b, 'up']);
      await this.ip(this.scannerNs, ['addr', 'add', `${this.scannerV4}/30`, 'dev', a]);
      await this.ip(this.targetNs, ['addr', 'add', `${this.targetV4}/30`, 'dev', b]);
    }
    await this.ip(this.scannerNs, ['-6', 'addr', 'add', `${this.scannerV6}/64`, 'dev', a, 'nodad']);
    await this.ip(this.targetNs, ['-6', 'addr', 'add', `${this.targetV6}/64`, 'dev', b, 'nodad']);

    await this.nft(
      [
        `table inet ${NFT_TABLE} {`,
        '  chain input { type filter hook input priority 0; policy accept; }',
        '  chain output { type filter hook output priority 0; policy accept; }',
        '}',
      ].join('\n'),
    );
    await this.addLossRules();
  }

  private async sysctl(ns: string, key: string, value: string): Promise<void> {
    await must('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`]);
  }

  private nft(script: string): Promise<string> {
    return must('ip', ['netns', 'exec', this.targetNs, 'nft', '-f', '-'], `${script}\n`);
  }

  private async addLossRules(): Promise<void> {
    if (this.lossPercent <= 0) return;
    const n = Math.round(this.lossPercent * 100); // per 10 000, so 0.5 % works
    await this.nft(
      [
        `add rule inet ${NFT_TABLE} input numgen random mod 10000 < ${n} drop`,
        `add rule inet ${NFT_TABLE} output numgen random mod 10000 < ${n} drop`,
      ].join('\n'),
    );
  }

  async listen(ports: readonly number[], opts: { mode?: 'close' | 'keep' } = {}): Promise<void> {
    if (ports.length === 0) return;
    // One process per chunk of at most (hard fd limit - headroom) ports: root without
    // CAP_SYS_RESOURCE (containers) cannot raise the hard limit, only the soft one up to it.
    const hard = hardNofile();
    const perProcess = Math.max(256, hard - 512);
    const unique = [...new Set(ports)].sort((a, b) => a - b);
    const starts: Promise<string>[] = [];
    for (let i = 0; i < unique.length; i += perProcess) {
      const chunk = unique.slice(i, i + perProcess);
      const nofile = Math.min(hard, chunk.length + 512);
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          this.targetNs,
          'prlimit',
          `--nofile=${nofile}:${hard}`,
          process.execPath,
          join(HELPERS, 'listeners.mjs'),
          `--mode=${opts.mode ?? 'close'}`,
          ...portRanges(chunk),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      this.track(child);
      starts.push(waitForLine(child, 'READY', 30_000 + chunk.length, 'listeners'));
    }
    await Promise.all(starts);
  }

  async drop(ports: readonly number[]): Promise<void> {
    await this.nft(`add rule inet ${NFT_TABLE} input tcp dport ${nftSet(ports)} drop`);
  }

  async reject(ports: readonly number[], kind: RejectKind = 'admin-prohibited'): Promise<void> {
    const action =
      kind === 'tcp-reset' ? 'reject with tcp reset' : `reject with icmpx type ${kind}`;
    await this.nft(`add rule inet ${NFT_TABLE} input tcp dport ${nftSet(ports)} ${action}`);
  }

  async dropAll(): Promise<void> {
    // Inserted at the head of the chain: it wins over earlier reject rules, so nothing answers.
    await this.nft(`insert rule inet ${NFT_TABLE} input meta l4proto tcp drop`);
  }

  async lossOnPorts(ports: readonly number[], percent: number): Promise<void> {
    if (!(percent >= 0 && percent <= 100)) throw new Error(`bad loss percent ${percent}`);
    const n = Math.round(percent * 100);
    await this.nft(
      `add rule inet ${NFT_TABLE} input tcp dport ${nftSet(ports)} numgen random mod 10000 < ${n} drop`,
    );
  }

  async clearRules(): Promise<void> {
    await this.nft(
      [`flush chain inet ${NFT_TABLE} input`, `flush chain inet ${NFT_TABLE} output`].join('\n'),
    );
    await this.addLossRules();
  }

  async addTargetInputRule(rule: string): Promise<void> {
    await this.nft(`add rule inet ${NFT_TABLE} input ${rule}`);
  }

  async acceptEveryPort(): Promise<number> {
    const port = 9; // discard: one listener behind every port
    await this.listen([port]);
    await this.nft(
      [
        `table inet ${NFT_TABLE}_nat {`,
        '  chain prerouting {',
        '    type nat hook prerouting priority dstnat; policy accept;',
        `    tcp dport != ${port} redirect to :${port}`,
        '  }',
        '}',
      ].join('\n'),
    );
    return port;
  }

  async blockOnScannerSide(
    ports: readonly number[],
    kind: ScannerBlockKind,
    destinations: readonly string[],
  ): Promise<void> {
    const v4s = destinations.filter((d) => !d.includes(':'));
    const v6s = destinations.filter((d) => d.includes(':'));
    const action =
      kind === 'drop'
        ? 'drop'
        : kind === 'reject'
          ? 'reject'
          : kind === 'tcp-reset'
            ? 'reject with tcp reset'
            : `reject with icmpx type ${kind}`;
    const table = `ss_${this.id.replace('-', '_')}_out`;
    if (!this.scannerNs && !(this.state.rootNftTables ?? []).includes(table)) {
      this.state.rootNftTables = [...(this.state.rootNftTables ?? []), table];
      writeState(this.state);
    }
    const rules = [
      `table inet ${table} {`,
      '  chain output { type filter hook output priority 0; policy accept; }',
      '}',
      ...(v4s.length > 0
        ? [
            `add rule inet ${table} output ip daddr { ${v4s.join(', ')} } tcp dport ${nftSet(ports)} ${action}`,
          ]
        : []),
      ...(v6s.length > 0
        ? [
            `add rule inet ${table} output ip6 daddr { ${v6s.join(', ')} } tcp dport ${nftSet(ports)} ${action}`,
          ]
        : []),
    ];
    const [file, args] = this.inNs(this.scannerNs, ['nft', '-f', '-']);
    await must(file, args, `${rules.join('\n')}\n`);
  }

  async routeFailure(kind: RouteFailureKind, family: 4 | 6): Promise<string> {
    const key = `${kind}/${family}`;
    const known = this.routes.get(key);
    if (known) return known;
    const offset = { unreachable: 4, prohibit: 5, blackhole: 6, throw: 7 }[kind];
    const address =
      family === 4 ? v4(V4_BASE + this.block * 8 + offset) : `${this.v6Prefix}::${offset}`;
    const prefix = family === 4 ? `${address}/32` : `${address}/128`;
    const fam = family === 6 ? ['-6'] : [];
    if (!this.scannerNs) {
      this.state.rootRoutes.push([...fam, 'route', 'del', kind, prefix]);
      writeState(this.state);
    }
    await this.ip(this.scannerNs, [...fam, 'route', 'add', kind, prefix]);
    this.routes.set(key, address);
    return address;
  }

  noRouteV4(): Promise<string> {
    // A `throw` route ends the lookup in `main`; the `default` table (empty in the root ns and in
    // lab namespaces) has nothing either, so connect() fails with ENETUNREACH without a packet.
    return this.routeFailure('throw', 4);
  }

  execInTarget(cmd: readonly string[], opts: { timeoutMs?: number; input?: string } = {}) {
    return run('ip', ['netns', 'exec', this.targetNs, ...cmd], opts);
  }

  spawnInTarget(cmd: readonly string[]): ChildProcess {
    return this.track(spawn('ip', ['netns', 'exec', this.targetNs, ...cmd], { stdio: 'pipe' }));
  }

  execInScanner(cmd: readonly string[], opts: { timeoutMs?: number; input?: string } = {}) {
    const [file, args] = this.inNs(this.scannerNs, cmd);
    return run(file, args, opts);
  }

  spawnInScanner(cmd: readonly string[]): ChildProcess {
    const [file, args] = this.inNs(this.scannerNs, cmd);
    return this.track(spawn(file, args, { stdio: 'pipe' }));
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  async sysctlScanner(key: string, value: string): Promise<void> {
    if (!this.scannerNs)
      throw new Error('sysctlScanner needs createLab({ scannerNamespace: true })');
    await this.sysctl(this.scannerNs, key, value);
  }

  async runScannerChild(input: ScanChildInput, opts: RunOptions = {}): Promise<ScanChildRun> {
    const cmd = [
      ...(opts.nofile ? ['prlimit', `--nofile=${Math.min(opts.nofile, hardNofile())}`] : []),
      process.execPath,
      '--import',
      'tsx',
      join(HELPERS, 'scan-child.ts'),
      '-',
    ];
    const [file, args] = this.inNs(this.scannerNs, cmd);
    const r = await new Promise<ExecResult>((resolvePromise) => {
      const child = execFile(
        file,
        args,
        {
          cwd: REPO_ROOT,
          timeout: opts.timeoutMs ?? 120_000,
          killSignal: 'SIGKILL',
          maxBuffer: 256 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          this.children.delete(child);
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolvePromise({ stdout: String(stdout), stderr: String(stderr), code });
        },
      );
      this.children.add(child);
      child.stdin?.end(JSON.stringify(input));
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let output: ScanChildOutput | undefined;
    if (r.code === 0) {
      try {
        output = JSON.parse(last) as ScanChildOutput;
      } catch {}
    }
    return { ...r, output };
  }

  async delayStats(): Promise<string | undefined> {
    const td = this.tunDelay;
    if (!td?.stderr || td.exitCode !== null) return undefined;
    return new Promise((resolvePromise) => {
      const rl = createInterface({ input: td.stderr! });
      const timer = setTimeout(() => done(undefined), 2000);
      const onLine = (line: string) => {
        if (line.startsWith('tun-delay stats')) done(line);
      };
      function done(v: string | undefined) {
        clearTimeout(timer);
        rl.off('line', onLine);
        rl.close();
        resolvePromise(v);
      }
      rl.on('line', onLine);
      td.kill('SIGUSR1');
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const kids = [...this.children];
      for (const c of kids) {
        c.stdin?.destroy();
        c.kill('SIGTERM');
      }
      await Promise.all(
        kids.map(
          (c) =>
            new Promise<void>((res) => {
              if (c.exitCode !== null || c.signalCode !== null) return res();
              const t = setTimeout(() => {
                c.kill('SIGKILL');
                res();
              }, 2000);
              c.once('exit', () => {
                clearTimeout(t);
                res();
              });
            }),
        ),
      );
      this.teardown();
    })();
    return this.closing;
  }

  /** Synchronous last resort for the 'exit' hook and signals. */
  closeSync(): void {
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {}
    }
    this.teardown();
  }

  private torn = false;
  private teardown(): void {
    if (this.torn) return;
    this.torn = true;
    teardownSync(this.state);
    rmSync(stateFile(this.block), { force: true });
    openLabs.delete(this);
  }
}

function labCounterSuffix(id: string): string {
  return String(Number(id.split('-')[1]) % 1000);
}

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const s = labSupport();
  if (!s.ok) throw new Error(`namespace lab unavailable: ${s.why}`);
  if (opts.delayMs !== undefined && !(opts.delayMs >= 0 && opts.delayMs <= 10_000)) {
    throw new Error(`bad delayMs ${opts.delayMs}`);
  }
  if (opts.lossPercent !== undefined && !(opts.lossPercent >= 0 && opts.lossPercent <= 100)) {
    throw new Error(`bad lossPercent ${opts.lossPercent}`);
  }
  sweepStaleLabs();
  installHooks();
  const n = labCounter++;
  const block = allocateBlock((process.pid * 31 + n) % BLOCKS);
  const lab = new LabImpl(n, block, opts);
  openLabs.add(lab);
  try {
    await lab.setUp(opts);
  } catch (err) {
    await lab.close();
    throw err;
  }
  return lab;
}
