// The scan orchestrator: probes every requested port of ONE target and yields each result as soon
// as it is final. Its one promise is that an open port never comes out as silent ("safe"):
//
// - Silence is proven, not assumed. A try that outlives the deadline learned from the target's
//   answers (srtt + 4·rttvar, rtt-estimator.ts) is re-probed, but its socket stays open, so a late
//   SYN-ACK still counts; and the last try waits at least `silenceFloorMs`, however fast the other
//   ports answered. A port forwarded to a slow device behind a router that refuses every other
//   port at once is therefore still caught.
// - Congestion control (congestion.ts): a window of first tries that starts moderate and grows,
//   a send delay, both cut when re-probes succeed where first tries did not (the signature of a SYN
//   rate limit); re-probes are spread in time instead of repeating the burst that was dropped.
// - A deadline never beats an answer: expiry runs in the event loop's check phase (setImmediate
//   from the timer), after the poll phase has delivered every connect() completion the kernel
//   already has — after a stall, answers are counted before deadlines are judged.
// - The scanner runs ahead of its consumer: probes launch from I/O and timer callbacks; finished
//   results wait in a bounded buffer (`readyHighWater`), so a slow writer slows the scan only when
//   the buffer is full.
import { type ConcurrencyLimiter, processConcurrencyLimiter } from './concurrency-limiter.js';
import { CongestionWindow, type WindowReport } from './congestion.js';
import { MinHeap } from './min-heap.js';
import type { PortResult, Protocol, Reason } from './port-state.js';
import { type Prober, tcpProber } from './prober.js';
import { checkRoute } from './route-check.js';
import { RttEstimator, type TimingBounds } from './rtt-estimator.js';
import type { AttemptOutcome, ProbeBackend, ProbeTarget, RunningProbe } from './tcp-probe.js';

export interface ScanOptions extends TimingBounds {
  /** Largest window of first tries in flight against one target (home routers' SYN protection
   *  is the limit to respect). */
  concurrencyPerTarget: number;
  /** Window at the start; it grows while the target keeps up. */
  windowInitial: number;
  /** Sockets open in the whole process, all scans together (file-descriptor budget): the size of
   *  the process-wide limiter used when no `limiter` is passed. */
  concurrencyMax: number;
  /** The socket budget this scan shares with the others (the service passes its own); without
   *  one, a process-wide limiter of `concurrencyMax` slots. */
  limiter?: ConcurrencyLimiter;
  /** The last try of a silent port waits at least this long before the port is `filtered`. */
  silenceFloorMs: number;
  /** Finished results held for a slow consumer before new ports stop launching. */
  readyHighWater: number;
  /** Literal source address; used for targets of the same family. */
  sourceAddress?: string;
  /** Cancels the scan: ports not yet decided come out as `error` / `not-tested`. */
  signal?: AbortSignal;
  /** How connect() is driven (tcp-probe.ts); the fastest available by default. */
  backend?: ProbeBackend;
  /** What one attempt is (prober.ts); TCP connect() with `backend` by default. */
  prober?: Prober;
  /** Ports this server cannot test (its own egress is blocked, egress-check.ts): they come out as
   *  `error` / `local-egress-blocked` without a probe — never closed or filtered. */
  egressBlocked?: ReadonlySet<number>;
  /** Called once at the end with what the timing did (the scan's metadata). */
  onReport?: (report: ScanReport) => void;
}

/** The shipped defaults, chosen by measurement (docs/benchmarks.md). */
export const DEFAULT_SCAN_OPTIONS: Readonly<
  Omit<
    ScanOptions,
    'signal' | 'sourceAddress' | 'backend' | 'prober' | 'egressBlocked' | 'onReport' | 'limiter'
  >
> = Object.freeze({
  timeoutMinMs: 100,
  timeoutMaxMs: 1500,
  retries: 1,
  maxRetries: 10,
  concurrencyPerTarget: 512,
  windowInitial: 64,
  concurrencyMax: 4096,
  silenceFloorMs: 700,
  readyHighWater: 4096,
});

/** What the timing did during one scan. */
export interface ScanReport {
  window: WindowReport;
  /** Re-probes sent (tries after the first). */
  reprobes: number;
  /** Tries a silent port got at the end (they grow with the loss seen). */
  triesPerSilentPort: number;
  /** Answers that came after their try's deadline (slow ports caught by the open socket). */
  lateAnswers: number;
  /** The learned deadline at the end, ms. */
  timeoutMs: number;
}

interface PortTask {
  port: number;
  /** Tries launched so far. */
  tries: number;
  attempts: Attempt[];
  decided: boolean;
}

interface Attempt {
  task: PortTask;
  tryNo: number;
  started: number;
  probe?: RunningProbe;
  /** Counted in the window until its learned deadline passes. */
  inWindow: boolean;
  closed: boolean;
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

  const prober = opts.prober ?? tcpProber(opts.backend);
  const { protocol } = prober;
  const silentReason = prober.silentReason ?? 'timeout';
  const route = await checkRoute(target, localAddress);
  if (!route.ok) {
    for (const port of ports) yield errorResult(port, protocol, `local-${route.code}`);
    return;
  }

  const limiter = opts.limiter ?? processConcurrencyLimiter(opts.concurrencyMax);
  const startProbe = prober.start;
  const timing = new RttEstimator(opts);
  const window = new CongestionWindow({
    initial: opts.windowInitial,
    max: opts.concurrencyPerTarget,
  });
  const inWindow = new Map<Attempt, true>(); // insertion order = start order = deadline order
  const retries = new MinHeap<{ task: PortTask; tryNo: number }>(); // by not-before time
  const finalWaits = new MinHeap<PortTask>(); // by the time its silence is proven
  const tasks = new Set<PortTask>(); // launched, not decided
  const ready: PortResult[] = [];
  let nextIndex = 0;
  let decided = 0;
  let cancelled = false;
  let nextSendAt = 0;
  let reprobes = 0;
  let lateAnswers = 0;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let tickQueued = false;
  let waitingForLimiter = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const emit = (result: PortResult) => {
    ready.push(result);
    decided++;
    notify();
  };

  const closeAttempt = (a: Attempt) => {
    if (a.closed) return;
    a.closed = true;
    if (a.inWindow) {
      a.inWindow = false;
      inWindow.delete(a);
    }
    a.probe?.cancel(); // its callback sees `closed` and does nothing
    limiter.release();
  };
  const decide = (task: PortTask, result: PortResult) => {
    if (task.decided) return;
    task.decided = true;
    tasks.delete(task);
    for (const a of task.attempts) closeAttempt(a);
    task.attempts.length = 0;
    emit(result);
  };

  const onOutcome = (a: Attempt, outcome: AttemptOutcome) => {
    if (a.closed) return;
    const { task } = a;
    const now = performance.now();
    if (outcome.kind === 'silent') {
      // The kernel gave up on this socket (ETIMEDOUT after its own SYN retransmissions): the try
      // is over; its deadline (below) decides what follows.
      a.closed = true;
      limiter.release();
      task.attempts = task.attempts.filter((x) => x !== a);
      if (a.inWindow) {
        a.inWindow = false;
        inWindow.delete(a);
        afterDeadline(a, now);
      }
      schedule();
      return;
    }
    if (outcome.kind === 'answer') {
      const rtt = now - a.started;
      // A socket's own SYN retransmission (after the kernel's 1 s initial RTO) makes later
      // answers ambiguous: no RTT sample from them.
      if (rtt < 1000) timing.sample(rtt);
      timing.answeredOnTry(a.tryNo);
      // Drop evidence is dated by the try that was dropped: the one before the answering try.
      const dropped = task.attempts.find((x) => x.tryNo === a.tryNo - 1);
      window.answered(a.tryNo, dropped?.started ?? a.started, now);
      if (a.tryNo === 1 && a.inWindow) window.completed(true);
      if (!a.inWindow) lateAnswers++;
    }
    const { state, reason, ms } = outcome;
    decide(task, { port: task.port, protocol, state, reason, ms });
    fill();
  };

  const launch = (task: PortTask, tryNo: number, now: number) => {
    const a: Attempt = { task, tryNo, started: now, inWindow: true, closed: false };
    task.tries = tryNo;
    task.attempts.push(a);
    inWindow.set(a, true);
    if (tryNo > 1) reprobes++;
    window.launchedAt(now);
    // Paced: on average one launch per send delay; a timer that fires late lets at most a few
    // launches catch up at once (timers are coarser than a fraction of a millisecond).
    const delay = window.sendDelayMs;
    if (delay > 0) nextSendAt = Math.max(nextSendAt, now - 4 * delay) + delay;
    a.probe = startProbe(target, task.port, localAddress, (o) => onOutcome(a, o));
  };

  /** A try's learned deadline passed with no answer: re-probe, or wait out the floor. */
  const afterDeadline = (a: Attempt, now: number) => {
    const { task } = a;
    if (a.tryNo === 1) window.completed(false);
    if (task.tries > a.tryNo) return; // a later try is already out
    if (task.tries < timing.triesForSilentPort()) {
      queueRetry(task, now);
    } else {
      finalWaits.push(a.started + Math.max(opts.silenceFloorMs, timing.timeoutMs()), task);
    }
  };

  const queueRetry = (task: PortTask, now: number) => {
    // Spread in time, more with every try: a burst that was dropped is not repeated as a burst.
    const base = Math.min(timing.timeoutMs(), 100);
    const spread = base * (0.5 + Math.random()) * 2 ** Math.max(0, task.tries - 1);
    retries.push(now + Math.min(spread, opts.timeoutMaxMs), { task, tryNo: task.tries + 1 });
  };

  const expire = (now: number) => {
    const timeout = timing.timeoutMs();
    for (const a of inWindow.keys()) {
      if (a.started + timeout > now) break;
      a.inWindow = false;
      inWindow.delete(a);
      afterDeadline(a, now);
    }
    while ((finalWaits.peekKey() ?? Number.POSITIVE_INFINITY) <= now) {
      const task = finalWaits.pop()!;
      if (task.decided) continue;
      // The loss seen meanwhile may call for more tries than were planned.
      if (task.tries < timing.triesForSilentPort()) {
        queueRetry(task, now);
        continue;
      }
      const last = task.attempts[task.attempts.length - 1];
      const ms = last ? Math.round(now - last.started) : 0;
      decide(task, { port: task.port, protocol, state: 'filtered', reason: silentReason, ms });
    }
  };

  // Launches what the window, the pacing, the process budget and the ready buffer allow.
  // Re-probes go first: they hold the results that are furthest along.
  const fill = () => {
    if (cancelled) return;
    const now = performance.now();
    while (inWindow.size < window.size) {
      if (window.sendDelayMs > 0 && now < nextSendAt) break;
      const retryDue = (retries.peekKey() ?? Number.POSITIVE_INFINITY) <= now;
      const fresh = nextIndex < ports.length && ready.length < opts.readyHighWater;
      if (!retryDue && !fresh) break;
      if (!limiter.tryAcquire()) {
        if (!waitingForLimiter) {
          waitingForLimiter = true;
          limiter.whenAvailable(() => {
            waitingForLimiter = false;
            fill();
          });
        }
        break;
      }
      if (retryDue) {
        const { task, tryNo } = retries.pop()!;
        if (task.decided) {
          limiter.release();
          continue;
        }
        launch(task, tryNo, now);
      } else {
        const port = ports[nextIndex++]!;
        if (opts.egressBlocked?.has(port)) {
          limiter.release();
          emit(errorResult(port, protocol, 'local-egress-blocked'));
          continue;
        }
        const task: PortTask = { port, tries: 0, attempts: [], decided: false };
        tasks.add(task);
        launch(task, 1, now);
      }
    }
    schedule();
  };

  // One timer for the whole scan, at the earliest of: the oldest try's deadline, the next proven
  // silence, the next due re-probe, the next paced launch.
  const schedule = () => {
    if (cancelled) return;
    let due = Number.POSITIVE_INFINITY;
    const oldest = inWindow.keys().next();
    if (!oldest.done) due = oldest.value.started + timing.timeoutMs();
    due = Math.min(due, finalWaits.peekKey() ?? Number.POSITIVE_INFINITY);
    if (inWindow.size < window.size) {
      // Unpaced, fill() has launched every fresh port it could; paced, the next one waits.
      let launchAt = retries.peekKey() ?? Number.POSITIVE_INFINITY;
      if (window.sendDelayMs > 0) {
        if (nextIndex < ports.length && ready.length < opts.readyHighWater) launchAt = nextSendAt;
        launchAt = Math.max(launchAt, nextSendAt);
      }
      due = Math.min(due, launchAt);
    }
    if (due === Number.POSITIVE_INFINITY || (timer && timerAt <= due)) return;
    if (timer) clearTimeout(timer);
    timerAt = due;
    timer = setTimeout(onTimer, Math.max(0, due - performance.now()));
  };
  const onTimer = () => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    if (tickQueued) return;
    tickQueued = true;
    // Check phase: connect() completions already in the kernel are delivered first (poll phase).
    setImmediate(() => {
      tickQueued = false;
      if (cancelled) return;
      expire(performance.now());
      fill();
    });
  };

  const onCancel = () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    for (const task of [...tasks]) decide(task, errorResult(task.port, protocol, 'not-tested'));
    retries.drain();
    finalWaits.drain();
    while (nextIndex < ports.length) emit(errorResult(ports[nextIndex++]!, protocol, 'not-tested'));
    notify();
  };
  if (opts.signal?.aborted) onCancel();
  else opts.signal?.addEventListener('abort', onCancel, { once: true });

  try {
    while (decided < ports.length || ready.length > 0) {
      fill();
      while (ready.length > 0) {
        yield ready.shift()!;
        if (ready.length === opts.readyHighWater - 1) fill();
      }
      if (decided >= ports.length) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (ready.length > 0) notify();
      });
    }
    opts.onReport?.({
      window: window.report(),
      reprobes,
      triesPerSilentPort: timing.triesForSilentPort(),
      lateAnswers,
      timeoutMs: Math.round(timing.timeoutMs()),
    });
  } finally {
    // The consumer stopped early (break / throw): leave nothing running behind.
    opts.signal?.removeEventListener('abort', onCancel);
    if (timer) clearTimeout(timer);
    if (decided < ports.length) {
      cancelled = true;
      for (const task of [...tasks]) for (const a of task.attempts) closeAttempt(a);
    }
  }
}

function errorResult(port: number, protocol: Protocol, reason: Reason): PortResult {
  return { port, protocol, state: 'error', reason, ms: 0 };
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
