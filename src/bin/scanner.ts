// The scanner's own parts, shared by the server (in-process queue) and `selfscan worker`: the
// canary, the egress self-test kept fresh, and runScan's dependencies from the config.
import type { Config } from '../config.js';
import { CanaryMonitor } from '../core/canary.js';
import { CATALOG } from '../core/catalog.js';
import { ConcurrencyLimiter } from '../core/concurrency-limiter.js';
import { EgressCheck } from '../core/egress-check.js';
import type { RunScanDeps } from '../jobs/run-scan.js';
import type { ScanEvent } from '../queue/scan-events.js';
import type { Store } from '../store/store.js';

export interface Scanner {
  canary: CanaryMonitor;
  egress: EgressCheck;
  deps: RunScanDeps;
  stop(): void;
}

export async function startScanner(
  config: Config,
  store: Store,
  publish: (scanId: string, event: ScanEvent) => void,
): Promise<Scanner> {
  const canary = new CanaryMonitor(config.probe.canary, 60_000, config.probe.sourceAddress);
  await canary.start();

  // The egress self-test: the catalog's TCP ports and 1–1055 are kept fresh (checked at start and
  // every 50 s, so those diagnoses never wait); any other port is checked when a diagnosis needs
  // it and its last check is older than a minute.
  const egress = new EgressCheck(config.probe.egressReferences, {
    ...(config.probe.sourceAddress ? { sourceAddress: config.probe.sourceAddress } : {}),
  });
  const keptFresh = [
    ...new Set([
      ...Array.from({ length: 1055 }, (_, i) => i + 1),
      ...CATALOG.filter((e) => e.protocol === 'tcp').map((e) => e.port),
    ]),
  ].sort((a, b) => a - b);
  const refreshEgress = () =>
    Promise.all(
      config.probe.egressReferences.map((r) =>
        egress.check(r.family, keptFresh).catch(() => undefined),
      ),
    );
  await refreshEgress();
  const egressTimer = setInterval(() => void refreshEgress(), 50_000);
  egressTimer.unref();

  const { probe } = config;
  // One socket budget for every diagnosis this process runs (file descriptors are per process).
  const socketBudget = new ConcurrencyLimiter(probe.concurrencyMax);
  const deps: RunScanDeps = {
    store,
    policy: config.policy,
    scanOptions: {
      timeoutMinMs: probe.timeoutMinMs,
      timeoutMaxMs: probe.timeoutMaxMs,
      retries: probe.retries,
      concurrencyPerTarget: probe.concurrencyPerTarget,
      concurrencyMax: probe.concurrencyMax,
      limiter: socketBudget,
      ...(probe.sourceAddress ? { sourceAddress: probe.sourceAddress } : {}),
    },
    publish,
    scannerHealthy: () => canary.current().healthy,
    egressBlocked: (family, ports) => egress.blockedPorts(family, ports),
  };
  return {
    canary,
    egress,
    deps,
    stop: () => {
      canary.stop();
      clearInterval(egressTimer);
    },
  };
}
