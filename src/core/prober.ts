// The seam where probe types plug into a scan: a Prober starts one attempt at one port of a
// target and reports how it ended (an answer with its state, silence, or a local failure);
// scanTarget (scan.ts) owns the timing — window, retries, silence rules — around it. TCP
// connect() (tcp-probe.ts) and UDP (udp-probe.ts) are the probers; service identification is a
// second stage after the scan (identify/), not a prober.
import type { Protocol, Reason } from './port-state.js';
import { type ProbeBackend, probeStarter, type StartProbe } from './tcp-probe.js';

export interface Prober {
  /** The protocol of the results this prober's attempts decide. */
  readonly protocol: Protocol;
  readonly start: StartProbe;
  /** The reason of a port whose every try stayed silent (`timeout` when unset; UDP says
   *  `no-response`). */
  readonly silentReason?: Reason;
}

/** TCP connect(), with the given backend (the fastest available by default). */
export function tcpProber(backend?: ProbeBackend): Prober {
  return { protocol: 'tcp', start: probeStarter(backend) };
}
