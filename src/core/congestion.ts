// Per-target congestion control, as nmap's and TCP's: a window of first-try probes in flight that
// starts moderate and grows while the target keeps up, and a send delay between probes. Both react
// to the signature of drops — a port that answers a re-probe after its earlier tries stayed silent
// (a SYN rate limit or a congested path drops SYNs silently; a filtered port never answers at all,
// so plain silence is no evidence of loss). Random loss of a few percent (the 1 % lossy path) does
// not slow the scan down: only a drop share of at least DROP_SHARE among recent answers does.

export interface WindowBounds {
  /** Window at the start (moderate: a home router's SYN protection must not see a flood). */
  initial: number;
  /** Largest window (SELFSCAN_CONCURRENCY_PER_TARGET). */
  max: number;
}

/** What the window did during one scan (reported in the scan's metadata). */
export interface WindowReport {
  initial: number;
  max: number;
  /** Smallest and largest window reached, and the window at the end. */
  low: number;
  high: number;
  final: number;
  /** Largest send delay between two probes, ms (0: never paced). */
  sendDelayMs: number;
  /** How many times drops made the scan slow down. */
  slowdowns: number;
}

const MIN_WINDOW = 4;
const DROP_SHARE = 0.1;
const MIN_DROPS = 3;
const MIN_ANSWERS = 10;
const MAX_SEND_DELAY_MS = 200;
const DECAY_AT = 200; // answers counted before the counters are halved (recent behaviour counts)

export class CongestionWindow {
  private cwnd: number;
  private ssthresh = Number.POSITIVE_INFINITY;
  private sendDelay = 0;
  private firstTryAnswers = 0;
  private retryAnswers = 0;
  /** Attempts launched before this instant do not count as evidence (they saw the old rate). */
  private epochStart = Number.NEGATIVE_INFINITY;
  private low: number;
  private high: number;
  private maxDelay = 0;
  private slowdowns = 0;

  constructor(private readonly bounds: WindowBounds) {
    this.cwnd = Math.max(1, Math.min(bounds.initial, bounds.max));
    this.low = this.cwnd;
    this.high = this.cwnd;
  }

  /** First-try probes allowed in flight now. */
  get size(): number {
    return Math.max(1, Math.floor(this.cwnd));
  }

  /** ms to leave between two probe launches (0 = none). */
  get sendDelayMs(): number {
    return this.sendDelay;
  }

  /** A first try ended with no sign of loss: an answer, or — until a drop has been seen —
   *  silence (a filtered port is not congestion). Slow start doubles per round trip; after a
   *  slowdown, growth is one probe per window and only on answers. */
  completed(answered: boolean): void {
    if (this.cwnd < this.ssthresh) this.cwnd += 1;
    else if (answered) this.cwnd += 1 / this.cwnd;
    else return;
    if (this.cwnd > this.bounds.max) this.cwnd = this.bounds.max;
    if (this.cwnd > this.high) this.high = Math.floor(this.cwnd);
  }

  /** A port whose first try left at `firstLaunchedAt` answered on try `tryNo`. Only ports first
   *  tried since the last slowdown count: older drops saw the old rate. */
  answered(tryNo: number, firstLaunchedAt: number, now: number): void {
    if (firstLaunchedAt < this.epochStart) return;
    if (tryNo <= 1) this.firstTryAnswers++;
    else this.retryAnswers++;
    const total = this.firstTryAnswers + this.retryAnswers;
    if (
      this.retryAnswers >= MIN_DROPS &&
      total >= MIN_ANSWERS &&
      this.retryAnswers / total >= DROP_SHARE
    ) {
      this.slowDown(now);
    } else if (total >= DECAY_AT) {
      this.firstTryAnswers /= 2;
      this.retryAnswers /= 2;
    }
  }

  private slowDown(now: number): void {
    this.ssthresh = Math.max(MIN_WINDOW, this.cwnd / 2);
    this.cwnd = this.ssthresh;
    this.sendDelay = this.sendDelay === 0 ? 1 : Math.min(MAX_SEND_DELAY_MS, this.sendDelay * 2);
    if (this.sendDelay > this.maxDelay) this.maxDelay = this.sendDelay;
    if (Math.floor(this.cwnd) < this.low) this.low = Math.floor(this.cwnd);
    this.firstTryAnswers = 0;
    this.retryAnswers = 0;
    this.epochStart = now;
    this.slowdowns++;
  }

  report(): WindowReport {
    return {
      initial: Math.max(1, Math.min(this.bounds.initial, this.bounds.max)),
      max: this.bounds.max,
      low: this.low,
      high: this.high,
      final: this.size,
      sendDelayMs: this.maxDelay,
      slowdowns: this.slowdowns,
    };
  }
}
