// The seam where probe types plug into a scan: a Prober starts one attempt at one port of a
// target and reports how it ended (an answer with its state, silence, or a local failure);
// scanTarget (scan.ts) owns the timing — window, retries, silence rules — around it. TCP
// connect() is the one prober today (tcp-probe.ts); UDP and service identification come later,
// each with its own prober (and, where silence means something else, its own rules).
import type { Protocol } from './port-state.js';
import { type ProbeBackend, probeStarter, type StartProbe } from './tcp-probe.js';

export interface Prober {
  /** The protocol of the results this prober's attempts decide. */
  readonly protocol: Protocol;
  readonly start: StartProbe;
}

/** TCP connect(), with the given backend (the fastest available by default). */
export function tcpProber(backend?: ProbeBackend): Prober {
  return { protocol: 'tcp', start: probeStarter(backend) };
}
