// What a scanner does with one job, shared by both queues: re-check the target, probe, hand each
// result to the writer (stored and published in batches), then the verdict. Idempotent: a retried
// job skips the ports already stored, so a result is never written twice and never lost.
import type { Finding } from '../core/findings.js';
import { identifyOpenPorts } from '../core/identify/index.js';
import { type PortState, verdictOf } from '../core/port-state.js';
import { type ScanOptions, type ScanReport, scanTarget } from '../core/scan.js';
import { checkTarget, type TargetPolicy } from '../core/target-policy.js';
import { type UdpAnswer, udpFindings } from '../core/udp/index.js';
import { udpProber } from '../core/udp-probe.js';
import type { ScanEvent } from '../queue/scan-events.js';
import type { ScanJob } from '../queue/scan-queue.js';
import { retryStorage } from '../store/retry.js';
import { type Store, UnknownScanError } from '../store/store.js';
import { ResultWriter, type ResultWriterOptions } from './result-writer.js';

/** How long one store call is retried while the database is out of reach (a PostgreSQL restart,
 *  a full disk being freed). After that the job gives up; the reconciler (start-service.ts)
 *  marks the scan failed once the database is back, so it never stays `running`. */
export const STORE_RETRY_BUDGET_MS = 20_000;

export interface RunScanDeps {
  store: Store;
  policy: TargetPolicy;
  scanOptions: Partial<ScanOptions>;
  publish: (scanId: string, event: ScanEvent) => void;
  /** Whether the scanner may scan now (the egress canary); undefined = healthy. */
  scannerHealthy?: () => boolean;
  /** Ports of this family that this server's own egress cannot test (egress-check.ts). */
  egressBlocked?: (family: 4 | 6, ports: readonly number[]) => Promise<ReadonlySet<number>>;
  now?: () => number;
  /** Defaults to STORE_RETRY_BUDGET_MS. */
  storeRetryBudgetMs?: number;
  /** Batch size, flush delay and buffer bound of the result writer (tests, bench). */
  writer?: Partial<ResultWriterOptions>;
}

export async function runScan(
  deps: RunScanDeps,
  job: ScanJob,
  signal?: AbortSignal,
): Promise<void> {
  const { publish } = deps;
  const now = deps.now ?? Date.now;
  const retry = <T>(fn: () => Promise<T>) =>
    retryStorage(fn, {
      budgetMs: deps.storeRetryBudgetMs ?? STORE_RETRY_BUDGET_MS,
      ...(signal ? { signal } : {}),
    });
  const store = retryingStore(deps.store, retry);
  const fail = async (code: string, message: string) => {
    if (
      await store.finishScan(job.scanId, {
        status: 'failed',
        verdict: null,
        error: { code, message },
        finishedAt: now(),
      })
    )
      publish(job.scanId, { type: 'end', status: 'failed', verdict: null });
  };

  if (!(await store.markRunning(job.scanId, now()))) return; // deleted or already finished
  // The worker re-checks the target just before connecting (DESIGN.md "Target policy").
  if (!checkTarget(job.address, deps.policy).allowed)
    return fail('requester_not_allowed', 'The address is not one this service may test.');
  if (deps.scannerHealthy && !deps.scannerHealthy())
    return fail('scanner_unhealthy', 'The scanner failed its self-check; nothing was probed.');

  const stored = await store.resultsAfter(job.scanId, 0);
  // Already stored = same port AND protocol (tcp/53 and udp/53 are two results).
  const done = new Set(stored.map((r) => `${r.protocol}/${r.port}`));
  const remainingOf = (protocol: 'tcp' | 'udp') =>
    job.ports
      .filter((p) => p.protocol === protocol && !done.has(`${p.protocol}/${p.port}`))
      .map((p) => p.port);
  const remaining = remainingOf('tcp');
  const remainingUdp = remainingOf('udp');
  // Open TCP ports are what identification looks at (those of an earlier run included).
  const openTcp = stored
    .filter((r) => r.protocol === 'tcp' && r.state === 'open')
    .map((r) => r.port);
  const udpAnswers: UdpAnswer[] = [];
  // The verdict is counted as results are stored (no re-read of every result at the end).
  const states: PortState[] = stored.map((r) => r.state);
  let skipped = false;
  const writer = new ResultWriter(
    (results) => store.appendResults(job.scanId, results),
    (written, given) => {
      if (written.length < given) skipped = true; // another run stored some: re-read at the end
      for (const r of written) states.push(r.state);
      const first = written[0];
      const last = written.at(-1);
      if (first && last)
        publish(job.scanId, {
          type: 'results',
          firstSeq: first.seq,
          lastSeq: last.seq,
          results: written,
        });
    },
    deps.writer,
  );

  const target = { address: job.address, family: job.family };
  const egressBlocked = await deps.egressBlocked?.(job.family, remaining);
  let timing: ScanReport | undefined;
  const options = {
    ...deps.scanOptions,
    onReport: (report: ScanReport) => {
      timing = report;
    },
    ...(signal ? { signal } : {}),
    ...(egressBlocked && egressBlocked.size > 0 ? { egressBlocked } : {}),
  };
  try {
    for await (const result of scanTarget(target, remaining, options)) {
      if (signal?.aborted) break;
      if (result.state === 'open') openTcp.push(result.port);
      await writer.add(result);
    }
    // UDP after TCP, with the same timing rules (its own estimator: UDP answers come from the
    // services, not the kernel); the scan's timing report stays the TCP one.
    if (remainingUdp.length > 0 && !signal?.aborted) {
      const { onReport: _tcpOnly, egressBlocked: _tcpPorts, ...udpOptions } = options;
      const prober = udpProber({ onAnswer: (a) => udpAnswers.push(a) });
      for await (const result of scanTarget(target, remainingUdp, { ...udpOptions, prober })) {
        if (signal?.aborted) break;
        await writer.add(result);
      }
    }
    // Before finishScan (and on SIGTERM, before `interrupted`): everything scanned is stored.
    await writer.flush();
  } catch (err) {
    if (!(err instanceof UnknownScanError)) await writer.flush().catch(() => undefined);
    if (err instanceof UnknownScanError) return; // the holder deleted the result mid-scan
    throw err;
  }
  if (signal?.aborted)
    return fail(
      'interrupted',
      'The service stopped before this diagnosis finished. Please run it again.',
    );

  // Findings: what the UDP answers show, then (with the `identify` scope) one short exchange
  // with each open TCP port. Stored before the end, so the `end` event finds them in the store.
  const findings: Finding[] = [];
  const caps = signal ? { signal } : {};
  try {
    if (udpAnswers.length > 0) findings.push(...(await udpFindings(target, udpAnswers, caps)));
    if (job.identify && openTcp.length > 0 && !signal?.aborted)
      findings.push(...(await identifyOpenPorts(target, [...new Set(openTcp)], caps)));
    if (findings.length > 0) await store.appendFindings(job.scanId, findings);
  } catch (err) {
    if (err instanceof UnknownScanError) return;
    throw err;
  }
  if (signal?.aborted)
    return fail(
      'interrupted',
      'The service stopped before this diagnosis finished. Please run it again.',
    );

  const verdict = verdictOf(
    skipped ? await store.resultsAfter(job.scanId, 0) : states.map((state) => ({ state })),
  );
  if (
    await store.finishScan(job.scanId, {
      status: 'done',
      verdict,
      finishedAt: now(),
      ...(timing ? { timing } : {}),
    })
  )
    publish(job.scanId, { type: 'end', status: 'done', verdict });
}

/** The calls runScan makes, each retried while the database is out of reach (appendResults is
 *  idempotent per (port, protocol), so a retried batch writes nothing twice). */
function retryingStore(store: Store, retry: <T>(fn: () => Promise<T>) => Promise<T>) {
  return {
    markRunning: (id: string, at: number) => retry(() => store.markRunning(id, at)),
    resultsAfter: (id: string, after: number) => retry(() => store.resultsAfter(id, after)),
    appendResults: (id: string, rs: Parameters<Store['appendResults']>[1]) =>
      retry(() => store.appendResults(id, rs)),
    appendFindings: (id: string, fs: Parameters<Store['appendFindings']>[1]) =>
      retry(() => store.appendFindings(id, fs)),
    finishScan: (id: string, f: Parameters<Store['finishScan']>[1]) =>
      retry(() => store.finishScan(id, f)),
  };
}
