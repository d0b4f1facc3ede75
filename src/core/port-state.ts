// What one probe of one port found, and what a whole diagnosis means (PRODUCT.md "States and verdict").

export type Protocol = 'tcp' | 'udp';

/** open: handshake completed; closed: refused; filtered: silence or ICMP from the path;
 *  error: the scanner could not test — never shown as safe. */
export type PortState = 'open' | 'closed' | 'filtered' | 'error';

/** syn-ack | refused | timeout | host-unreachable | local-<errno> | not-tested; UDP:
 *  udp-response | port-unreachable | no-response */
export type Reason =
  | 'syn-ack'
  | 'refused'
  | 'timeout'
  | 'udp-response'
  | 'port-unreachable'
  | 'no-response'
  | 'host-unreachable'
  | 'not-tested'
  | `local-${string}`;

export interface PortResult {
  port: number;
  protocol: Protocol;
  state: PortState;
  reason: Reason;
  /** Time from the first connect() of the deciding attempt to its outcome, whole milliseconds. */
  ms: number;
}

export type Verdict = 'exposed' | 'incomplete' | 'safe';

export interface Classified {
  state: PortState;
  reason: Reason;
}

/** Maps a connect() error code to a state. Only answers from the path count as "not exposed";
 *  anything that is the scanner's own trouble is `error` (never "stealth"). */
export function classifyConnectError(code: string | undefined): Classified {
  switch (code) {
    case 'ECONNREFUSED': // RST, or ICMP port-unreachable: connect() cannot tell them apart
      return { state: 'closed', reason: 'refused' };
    case 'ETIMEDOUT': // the kernel gave up on SYN retransmits: silence
      return { state: 'filtered', reason: 'timeout' };
    case 'EHOSTUNREACH': // ICMP host-unreachable / admin-prohibited from the path
      return { state: 'filtered', reason: 'host-unreachable' };
    default: // ENETUNREACH, EACCES, EPERM, EMFILE, EADDRNOTAVAIL, ENOBUFS, anything unknown
      return { state: 'error', reason: `local-${code ?? 'unknown'}` };
  }
}

export function isExposedState(state: PortState): boolean {
  return state === 'open';
}

/** exposed if any port is open; incomplete if none is open and any is `error` (or nothing was
 *  tested); safe if every port is closed or filtered. */
export function verdictOf(results: readonly Pick<PortResult, 'state'>[]): Verdict {
  if (results.some((r) => r.state === 'open')) return 'exposed';
  if (results.length === 0 || results.some((r) => r.state === 'error')) return 'incomplete';
  return 'safe';
}
