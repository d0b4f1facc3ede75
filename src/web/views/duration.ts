// How long a diagnosis of n ports takes, for the choose and confirm pages (one function, so the
// two pages never disagree). `fast`: the target answers; measured in docs/benchmarks.md (17 ports
// 0.2 s, 1–1055 0.3 s, 1–65535 1.7 s on a clean path and 4.5 s at 30 ms RTT), rounded up to
// ~7 s per 65 535 ports. `slow`: nothing answers, so every try of every port waits the deadline's
// ceiling, concurrencyPerTarget at a time, and a port's re-probe follows its first try (core list,
// all dropped: 3.02 s measured = two ceilings).
export interface ProbeTiming {
  timeoutMaxMs: number;
  retries: number;
  concurrencyPerTarget: number;
}

export function durationEstimate(n: number, probe: ProbeTiming): { fast: number; slow: number } {
  const fast = Math.max(1, (n / 65_535) * 7);
  const tries = probe.retries + 1;
  const windows = Math.max(tries, Math.ceil((n * tries) / probe.concurrencyPerTarget));
  const slow = (windows * probe.timeoutMaxMs) / 1000 + 0.5;
  return { fast, slow: Math.max(fast, slow) };
}
