// The egress canary (DESIGN.md): an address:port that must NOT answer. If a connect() to it
// completes, something on the scanner's path (a transparent proxy, an interceptor) answers for
// every address, so every port would look open: the scanner is unhealthy and must not scan.
import { type ProbeTarget, probeOnce } from './tcp-probe.js';

export interface Canary extends ProbeTarget {
  port: number;
}

export type CanaryHealth = { healthy: true; detail: string } | { healthy: false; detail: string };

export async function checkCanary(
  canary: Canary,
  timeoutMs = 1500,
  localAddress?: string,
): Promise<CanaryHealth> {
  const where =
    canary.family === 6 ? `[${canary.address}]:${canary.port}` : `${canary.address}:${canary.port}`;
  const outcome = await probeOnce(canary, canary.port, {
    signal: AbortSignal.timeout(timeoutMs),
    ...(localAddress ? { localAddress } : {}),
  });
  if (outcome.kind === 'answer' && outcome.state === 'open')
    return {
      healthy: false,
      detail: `canary ${where} accepted a connection: something on the path answers for every address`,
    };
  if (outcome.kind === 'local')
    return { healthy: false, detail: `canary ${where} could not be tested (${outcome.reason})` };
  return {
    healthy: true,
    detail: `canary ${where} did not answer (${outcome.kind === 'silent' ? 'timeout' : outcome.reason})`,
  };
}

/** Re-checks the canary periodically; `current()` is what /readyz and the scan API consult. */
export class CanaryMonitor {
  private health: CanaryHealth = { healthy: true, detail: 'not checked yet' };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly canary: Canary | undefined,
    private readonly intervalMs = 60_000,
    private readonly localAddress?: string,
  ) {}

  current(): CanaryHealth {
    return this.canary ? this.health : { healthy: true, detail: 'no canary configured' };
  }

  async check(): Promise<CanaryHealth> {
    if (!this.canary) return this.current();
    this.health = await checkCanary(this.canary, 1500, this.localAddress);
    return this.health;
  }

  async start(): Promise<void> {
    if (!this.canary) return;
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
