// The scan orchestrator: probes every requested port of ONE target with bounded concurrency and
// RTT-adaptive deadlines, re-probes silent ports, and yields each result as soon as it is final.
import { processConcurrencyLimiter } from './concurrency-limiter.js';
import type { PortResult } from './port-state.js';
import { checkRoute } from './route-check.js';
import { RttEstimator, type TimingBounds } from './rtt-estimator.js';
import {
  type AttemptOutcome,
  type ProbeBackend,
  type ProbeTarget,
  probeStarter,
  type RunningProbe,
} from './tcp-probe.js';

export interface ScanOptions extends TimingBounds {
  /** Probes in flight against one target (home routers' SYN protection is the limit to respect). */
  concurrencyPerTarget: number;
  /** Probes in flight in the whole process, all scans together (file-descriptor budget). */
  concurrencyMax: number;
  /** Literal source address; used for targets of the same family. */
  sourceAddress?: string;
  /** Cancels the scan: ports not yet decided come out as `error` / `not-tested`. */
  signal?: AbortSignal;
  /** How connect() is driven (tcp-probe.ts); the fastest available by default. */
  backend?: ProbeBackend;
}

/** The shipped defaults, chosen by measurement (docs/benchmarks.md). */
export const DEFAULT_SCAN_OPTIONS: Readonly<Omit<ScanOptions, 'signal' | 'sourceAddress'>> =
  Object.freeze({
    timeoutMinMs: 100,
    timeoutMaxMs: 1500,
    retries: 1,
    maxRetries: 10,
    concurrencyPerTarget: 512,
    concurrencyMax: 2048,
  });

interface InFlight {
  port: number;
  tryNo: number;
  started: number;
  probe?: RunningProbe;
}

export async function* scanTarget(
  target: ProbeTarget,
  ports: readonly number[],
  options: Partial<ScanOptions> = {},
): AsyncGenerator<PortResult, void, undefined> {
  const opts: ScanOptions = { ...DEFAULT_SCAN_OPTIONS, ...options };
  const localAddress =
    opts.sourceAddress && familyOf(opts.sourceAddress) === target.family
      ? opts.sourceAddress
      : undefined;

  const route = await checkRoute(target, localAddress);
  if (!route.ok) {
    for (const port of ports)
      yield { port, protocol: 'tcp', state: 'error', reason: `local-${route.code}`, ms: 0 };
    return;
  }

  const limiter = processConcurrencyLimiter(opts.concurrencyMax);
  const startProbe = probeStarter(opts.backend);
  const timing = new RttEstimator(opts);
  const retryQueue: { port: number; tryNo: number }[] = [];
  const inFlight = new Map<number, InFlight>(); // insertion order = start order
  const ready: PortResult[] = [];
  let nextIndex = 0;
  let probeSeq = 0;
  let decided = 0;
  let cancelled = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let waitingForLimiter = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const decide = (result: PortResult) => {
    ready.push(result);
    decided++;
    notify();
  };

  // One timer for the whole scan: every probe's deadline is its start + the CURRENT timeout, so a
  // probe launched before the first answer still benefits from the RTT measured since.
  const expire = () => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const timeout = timing.timeoutMs();
    for (const probe of inFlight.values()) {
      if (probe.started + timeout > now) break;
      probe.probe?.cancel();
    }
    arm();
  };
  const arm = () => {
    const oldest = inFlight.values().next();
    if (oldest.done) return;
    const due = oldest.value.started + timing.timeoutMs();
    if (timer && timerAt <= due) return;
    if (timer) clearTimeout(timer);
    timerAt = due;
    timer = setTimeout(expire, Math.max(0, due - performance.now()));
  };

  const onOutcome = (probe: InFlight, id: number, outcome: AttemptOutcome) => {
    inFlight.delete(id);
    limiter.release();
    const { port, tryNo } = probe;
    if (cancelled) {
      decide({ port, protocol: 'tcp', state: 'error', reason: 'not-tested', ms: outcome.ms });
    } else if (outcome.kind !== 'silent') {
      // An answer from the path is an RTT sample and tells how many tries a port can need;
      // a local failure (errno) is decided as it is.
      if (outcome.kind === 'answer') {
        timing.sample(performance.now() - probe.started);
        timing.answeredOnTry(tryNo);
      }
      const { state, reason, ms } = outcome;
      decide({ port, protocol: 'tcp', state, reason, ms });
    } else if (tryNo < timing.triesForSilentPort()) {
      retryQueue.push({ port, tryNo: tryNo + 1 });
    } else {
      decide({ port, protocol: 'tcp', state: 'filtered', reason: 'timeout', ms: outcome.ms });
    }
    arm();
    notify();
  };

  const launch = (port: number, tryNo: number) => {
    const id = probeSeq++;
    const probe: InFlight = { port, tryNo, started: performance.now() };
    inFlight.set(id, probe);
    probe.probe = startProbe(target, port, localAddress, (o) => onOutcome(probe, id, o));
  };

  // Re-probes go first: they hold the results that are furthest along.
  const fill = () => {
    while (!cancelled && inFlight.size < opts.concurrencyPerTarget) {
      const retry = retryQueue.length > 0;
      if (!retry && nextIndex >= ports.length) break;
      if (!limiter.tryAcquire()) {
        if (!waitingForLimiter) {
          waitingForLimiter = true;
          limiter.whenAvailable(() => {
            waitingForLimiter = false;
            notify();
          });
        }
        break;
      }
      if (retry) {
        const { port, tryNo } = retryQueue.shift()!;
        launch(port, tryNo);
      } else {
        launch(ports[nextIndex++]!, 1);
      }
    }
    arm();
  };

  const onCancel = () => {
    cancelled = true;
    for (const probe of [...inFlight.values()]) probe.probe?.cancel();
    for (const { port } of retryQueue.splice(0))
      decide({ port, protocol: 'tcp', state: 'error', reason: 'not-tested', ms: 0 });
    while (nextIndex < ports.length)
      decide({
        port: ports[nextIndex++]!,
        protocol: 'tcp',
        state: 'error',
        reason: 'not-tested',
        ms: 0,
      });
    notify();
  };
  if (opts.signal?.aborted) onCancel();
  else opts.signal?.addEventListener('abort', onCancel, { once: true });

  try {
    while (decided < ports.length || ready.length > 0) {
      fill();
      while (ready.length > 0) yield ready.shift()!;
      if (decided >= ports.length) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (ready.length > 0 || (!cancelled && canLaunch())) notify();
      });
    }
  } finally {
    // The consumer stopped early (break / throw): leave nothing running behind.
    opts.signal?.removeEventListener('abort', onCancel);
    if (timer) clearTimeout(timer);
    if (decided < ports.length) {
      cancelled = true;
      for (const probe of [...inFlight.values()]) probe.probe?.cancel();
    }
  }

  function canLaunch(): boolean {
    return (
      !waitingForLimiter &&
      inFlight.size < opts.concurrencyPerTarget &&
      (retryQueue.length > 0 || nextIndex < ports.length)
    );
  }
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Collects a whole scan (tests, CLI, benchmarks). */
export async function scanAll(
  target: ProbeTarget,
  ports: readonly number[],
  options: Partial<ScanOptions> = {},
): Promise<PortResult[]> {
  const results: PortResult[] = [];
  for await (const r of scanTarget(target, ports, options)) results.push(r);
  return results;
}
