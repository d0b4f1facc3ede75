// Per-target congestion control, as nmap's and TCP's: a window of first-try probes in flight that
// starts moderate and grows while the target keeps up, and a send rate. Both react to the
// signature of drops — a port that answers a re-probe after its earlier tries stayed silent (a SYN
// rate limit or a congested path drops SYNs silently; a filtered port never answers at all, so
// plain silence is no evidence of loss). Each slowdown halves the window and sets the send rate
// to half the rate actually sent just before, so a few slowdowns reach a router's limit (200/s)
// from any speed. Random loss of a few percent (the 1 % lossy path) does not slow the scan down:
// only a drop share of at least DROP_SHARE among at least MIN_ANSWERS recent answers does.

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
  /** Largest send delay between two probes, ms (0: never paced; 1000 / the lowest send rate). */
  sendDelayMs: number;
  /** How many times drops made the scan slow down. */
  slowdowns: number;
}

const MIN_WINDOW = 4;
// At 2 % loss per try (1 % per packet, both ways), 8 or more re-probe answers among 50 happen
// about once in 100 000 windows; a SYN rate limit drops most SYNs and shows it within 50 answers.
const DROP_SHARE = 0.15;
const MIN_DROPS = 8;
const MIN_ANSWERS = 50;
const MAX_SEND_DELAY_MS = 200; // 5 probes/s at the slowest
const DECAY_AT = 400; // answers counted before the counters are halved (recent behaviour counts)
const RATE_SAMPLE = 256; // launches remembered to measure the send rate

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
  private readonly launches = new Float64Array(RATE_SAMPLE);
  private launched = 0;
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

  /** ms to leave between two probe launches on average (0 = none; may be a fraction). */
  get sendDelayMs(): number {
    return this.sendDelay;
  }

  /** A probe left at `now` (the send rate is measured from these). */
  launchedAt(now: number): void {
    this.launches[this.launched % RATE_SAMPLE] = now;
    this.launched++;
  }

  /** Probes per ms over the last launches (Infinity when too few to tell). */
  private sentPerMs(now: number): number {
    const n = Math.min(this.launched, RATE_SAMPLE);
    if (n < 2) return Number.POSITIVE_INFINITY;
    const oldest = this.launches[(this.launched - n) % RATE_SAMPLE]!;
    const span = now - oldest;
    return span > 0 ? n / span : Number.POSITIVE_INFINITY;
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

  /** A port answered on try `tryNo`; `triedAt` is when the try that tells the story left: the
   *  answering one for a first try, the silent one before it for a re-probe. Only tries sent
   *  since the last slowdown count: older drops saw the old rate. */
  answered(tryNo: number, triedAt: number, now: number): void {
    if (triedAt < this.epochStart) return;
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
    // Half the rate actually sent (or half the paced rate, whichever is lower).
    const sent = this.sentPerMs(now);
    const paced = this.sendDelay > 0 ? 1 / this.sendDelay : Number.POSITIVE_INFINITY;
    const rate = Math.min(sent, paced) / 2;
    this.sendDelay = Number.isFinite(rate)
      ? Math.min(MAX_SEND_DELAY_MS, 1 / rate)
      : Math.min(MAX_SEND_DELAY_MS, Math.max(1, this.sendDelay * 2));
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
      sendDelayMs: Math.round(this.maxDelay * 1000) / 1000,
      slowdowns: this.slowdowns,
    };
  }
}
