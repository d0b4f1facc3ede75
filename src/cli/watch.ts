// `selfscan watch`: the diagnosis again and again, with random jitter, printing only what changed
// ("445 became reachable at 14:02 — interface wwan0 has a global address"). A server that is down
// or busy is tried again sooner and never reported as a change in the ports.
import type { PortResult, ScanResult } from './api-client.js';
import { globalAddresses, type LocalAddress } from './local-context.js';
import type { CliMessages } from './messages.js';

export interface Snapshot {
  at: Date;
  scan: ScanResult;
  addresses: readonly LocalAddress[];
}

export interface Change {
  kind: 'reachable' | 'unreachable' | 'state' | 'global-gained' | 'global-lost';
  at: string;
  port?: number;
  from?: string;
  to?: string;
  interface?: string;
  address?: string;
  verdict: string | null;
  text: string;
}

const reachable = (s: PortResult['state'] | undefined) => s === 'open';
/** closed and filtered both mean "not reachable": a swap between them is not news. */
const tested = (s: PortResult['state'] | undefined) => s !== undefined && s !== 'error';

export const clock = (d: Date) =>
  `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** What changed from one diagnosis to the next, in words; [] when nothing did. */
export function changesBetween(prev: Snapshot, next: Snapshot, m: CliMessages): Change[] {
  const t = clock(next.at);
  const verdict = next.scan.verdict;
  const out: Change[] = [];
  const before = new Map(prev.scan.results.map((r) => [r.port, r.state]));
  const nowGlobal = globalAddresses(next.addresses);
  const because = nowGlobal[0] ? m.watch.because(nowGlobal[0].interface, nowGlobal[0].address) : '';
  for (const r of [...next.scan.results].sort((a, b) => a.port - b.port)) {
    const was = before.get(r.port);
    if (was === undefined || was === r.state) continue;
    if (reachable(r.state) && !reachable(was))
      out.push({
        kind: 'reachable',
        at: t,
        port: r.port,
        from: was,
        to: r.state,
        verdict,
        text: m.watch.reachable(r.port, t) + because,
      });
    else if (reachable(was) && !reachable(r.state))
      out.push({
        kind: 'unreachable',
        at: t,
        port: r.port,
        from: was,
        to: r.state,
        verdict,
        text: m.watch.unreachable(r.port, t),
      });
    else if (tested(was) !== tested(r.state))
      out.push({
        kind: 'state',
        at: t,
        port: r.port,
        from: was,
        to: r.state,
        verdict,
        text: m.watch.stateChanged(r.port, m.state[was], m.state[r.state], t),
      });
  }
  const key = (a: LocalAddress) => `${a.interface}/${a.address}`;
  const hadGlobal = new Set(globalAddresses(prev.addresses).map(key));
  const hasGlobal = new Set(nowGlobal.map(key));
  for (const a of nowGlobal)
    if (!hadGlobal.has(key(a)))
      out.push({
        kind: 'global-gained',
        at: t,
        interface: a.interface,
        address: a.address,
        verdict,
        text: m.watch.globalGained(a.interface, a.address, t),
      });
  for (const a of globalAddresses(prev.addresses))
    if (!hasGlobal.has(key(a)))
      out.push({
        kind: 'global-lost',
        at: t,
        interface: a.interface,
        address: a.address,
        verdict,
        text: m.watch.globalLost(a.interface, a.address, t),
      });
  return out;
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "15m", "6h", "1.5h", "1d" → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** 21600000 → "6h", 90000 → "90s": the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const)
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}

/** The wait before the next run: the interval, or a shorter retry after a failure, plus jitter. */
export function nextDelay(
  everyMs: number,
  jitterMs: number,
  failures: number,
  random: () => number = Math.random,
): number {
  const base = failures === 0 ? everyMs : Math.min(everyMs, 60_000 * 2 ** (failures - 1));
  return base + Math.floor(random() * jitterMs);
}
