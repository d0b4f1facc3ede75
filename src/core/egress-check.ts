// The egress self-test (issue 7). A scanner whose own network blocks a port — a hosting provider
// or ISP that filters outbound 25 or 135–139/445, a rule in the scanner host's output chain —
// would report that port closed or filtered for every user: a false 「安全」. So the operator names
// an egress reference (SELFSCAN_EGRESS_REFERENCE): an address of theirs on which EVERY TCP port
// accepts (docs/operations.md: an nft `redirect` of all ports to one listener). A port that does
// not connect there from this server cannot be tested by it: its results become `error` /
// `local-egress-blocked`, never closed or filtered.
//
// Only the operator's reference is probed here, never a user; results are cached per port for
// `maxAgeMs`, and a diagnosis re-checks exactly its own ports whose check is older than that.
import { type ScanOptions, scanAll } from './scan.js';
import type { ProbeTarget } from './tcp-probe.js';

export interface EgressFamilyStatus {
  family: 4 | 6;
  reference: string;
  /** Epoch ms of the newest check, or null before the first. */
  checkedAt: number | null;
  /** Ports checked so far. */
  checked: number;
  /** Ports that did not connect to the reference, ascending. */
  blocked: number[];
  /** Every checked port failed: the reference itself is unreachable. */
  unreachable: boolean;
}

interface PortCheck {
  at: number;
  ok: boolean;
}

export class EgressCheck {
  private readonly byFamily = new Map<
    4 | 6,
    { reference: ProbeTarget; ports: Map<number, PortCheck> }
  >();
  /** Checks run one at a time per family: concurrent diagnoses share them. */
  private readonly running = new Map<4 | 6, Promise<void>>();

  constructor(
    references: readonly ProbeTarget[],
    private readonly scanOptions: Partial<ScanOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    for (const reference of references)
      this.byFamily.set(reference.family, { reference, ports: new Map() });
  }

  /** Whether a reference exists for this family (without one, nothing is checked). */
  covers(family: 4 | 6): boolean {
    return this.byFamily.has(family);
  }

  /** Probes these ports on the family's reference now. */
  check(family: 4 | 6, ports: readonly number[]): Promise<void> {
    const entry = this.byFamily.get(family);
    if (!entry || ports.length === 0) return Promise.resolve();
    const previous = this.running.get(family) ?? Promise.resolve();
    const next = previous.then(async () => {
      const results = await scanAll(entry.reference, ports, this.scanOptions);
      const at = this.now();
      for (const r of results) entry.ports.set(r.port, { at, ok: r.state === 'open' });
    });
    const settled = next.catch(() => undefined);
    this.running.set(family, settled);
    return next;
  }

  /** The ports of `ports` this server cannot test, re-checking those older than `maxAgeMs`. */
  async blockedPorts(
    family: 4 | 6,
    ports: readonly number[],
    maxAgeMs = 60_000,
  ): Promise<Set<number>> {
    const entry = this.byFamily.get(family);
    if (!entry) return new Set();
    const cutoff = this.now() - maxAgeMs;
    const stale = ports.filter((p) => {
      const c = entry.ports.get(p);
      return !c || c.at < cutoff;
    });
    await this.check(family, stale);
    return new Set(ports.filter((p) => entry.ports.get(p)?.ok === false));
  }

  status(): EgressFamilyStatus[] {
    return [...this.byFamily.values()].map(({ reference, ports }) => {
      let checkedAt: number | null = null;
      const blocked: number[] = [];
      for (const [port, c] of ports) {
        if (checkedAt === null || c.at > checkedAt) checkedAt = c.at;
        if (!c.ok) blocked.push(port);
      }
      blocked.sort((a, b) => a - b);
      return {
        family: reference.family,
        reference: reference.address,
        checkedAt,
        checked: ports.size,
        blocked,
        unreachable: ports.size > 0 && blocked.length === ports.size,
      };
    });
  }
}
