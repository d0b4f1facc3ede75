// Round-trip timing and loss for one target, as nmap keeps them: every answer (SYN-ACK, RST,
// ICMP) is an RTT sample; the deadline for a silent port follows srtt + 4·rttvar (RFC 6298),
// bounded by a floor and a ceiling (the ceiling while nothing has answered). Retries follow the
// loss the answering ports showed: a port that answered only on its k-th try proves that k tries
// can be needed, and the per-try loss estimate sets how many tries make a silent port's silence
// convincing (target: a lossy open port misread at most 1 in 1000).

export interface TimingBounds {
  timeoutMinMs: number;
  timeoutMaxMs: number;
  /** Re-probes of a silent port when no loss has been seen. */
  retries: number;
  /** Most re-probes of a silent port, however lossy the path looks. */
  maxRetries: number;
}

const MISREAD_TARGET = 0.001;

export class RttEstimator {
  private srtt = 0;
  private rttvar = 0;
  private samples = 0;
  private answeredPorts = 0;
  private triesOfAnsweredPorts = 0;
  private maxSuccessfulTry = 0;

  constructor(private readonly bounds: TimingBounds) {}

  sample(rttMs: number): void {
    if (this.samples === 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
    this.samples++;
  }

  /** A port answered on try number `tryNo` (1-based). */
  answeredOnTry(tryNo: number): void {
    this.answeredPorts++;
    this.triesOfAnsweredPorts += tryNo;
    if (tryNo > this.maxSuccessfulTry) this.maxSuccessfulTry = tryNo;
  }

  get hasSamples(): boolean {
    return this.samples > 0;
  }

  timeoutMs(): number {
    const { timeoutMinMs, timeoutMaxMs } = this.bounds;
    if (this.samples === 0) return timeoutMaxMs;
    return Math.min(timeoutMaxMs, Math.max(timeoutMinMs, this.srtt + 4 * this.rttvar));
  }

  /** Estimated chance that one try of a reachable port goes unanswered. */
  lossPerTry(): number {
    if (this.triesOfAnsweredPorts === 0) return 0;
    return (this.triesOfAnsweredPorts - this.answeredPorts) / this.triesOfAnsweredPorts;
  }

  /** How many tries a silent port gets before it is called filtered. */
  triesForSilentPort(): number {
    const { retries, maxRetries } = this.bounds;
    const base = 1 + retries;
    if (this.maxSuccessfulTry <= 1) return base; // no loss seen
    const loss = this.lossPerTry();
    const byLoss =
      loss > 0 && loss < 1 ? Math.ceil(Math.log(MISREAD_TARGET) / Math.log(loss)) : 1 + maxRetries;
    return Math.min(1 + maxRetries, Math.max(base, byLoss, this.maxSuccessfulTry + 1));
  }
}
