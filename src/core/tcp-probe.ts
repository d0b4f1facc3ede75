// One TCP connect() probe of one port. Never writes to the socket: an open port is closed at once
// with a RST (resetAndDestroy), so no half-open session and no TIME-WAIT is left on the user's side.
import net from 'node:net';
import { type Classified, classifyConnectError } from './port-state.js';

export interface ProbeTarget {
  address: string;
  family: 4 | 6;
}

export interface ProbeAttempt {
  /** Aborting this signal ends the attempt; the caller aborts with a reason it recognises. */
  signal: AbortSignal;
  /** Literal source address to bind (same family as the target), if configured. */
  localAddress?: string;
}

export type AttemptOutcome =
  | ({ kind: 'answer'; ms: number } & Classified) // the path or the host answered: an RTT sample
  | { kind: 'silent'; ms: number } // the caller's signal fired (or the kernel timed out) first
  | ({ kind: 'local'; ms: number } & Classified); // the scanner's own failure (errno)

/** Runs one connect() attempt and resolves (never rejects) with what happened. */
export function probeOnce(
  target: ProbeTarget,
  port: number,
  attempt: ProbeAttempt,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    if (attempt.signal.aborted) {
      resolve({ kind: 'silent', ms: 0 });
      return;
    }
    let settled = false;
    let socket: net.Socket;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      attempt.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => {
      settle({ kind: 'silent', ms: elapsed() });
      socket.destroy();
    };
    try {
      socket = net.connect({
        host: target.address,
        port,
        family: target.family,
        autoSelectFamily: false,
        ...(attempt.localAddress ? { localAddress: attempt.localAddress } : {}),
      });
    } catch (err) {
      // Synchronous failures (e.g. an invalid localAddress) are the scanner's own problem.
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ kind: 'local', ms: elapsed(), ...classifyConnectError(code ?? 'unknown') });
      return;
    }
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      const ms = elapsed();
      // A socket connected to itself (same local and remote address and port, possible on
      // loopback when the port is in the ephemeral range) proves nothing listens: closed.
      const self =
        socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
      socket.resetAndDestroy();
      settle(
        self
          ? { kind: 'answer', ms, state: 'closed', reason: 'refused' }
          : { kind: 'answer', ms, state: 'open', reason: 'syn-ack' },
      );
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const ms = elapsed();
      socket.destroy();
      const classified = classifyIpv6Icmp(target, err.code) ?? classifyConnectError(err.code);
      if (classified.reason === 'timeout') settle({ kind: 'silent', ms });
      else settle({ kind: classified.state === 'error' ? 'local' : 'answer', ms, ...classified });
    });
  });
}

/** Linux reports an ICMPv6 "administratively prohibited" from the path as EACCES (IPv4's
 *  equivalent arrives as EHOSTUNREACH). A local refusal (a `prohibit` route) is caught by the
 *  scan's route check before any probe, so on IPv6 an EACCES here is the path's answer. */
function classifyIpv6Icmp(target: ProbeTarget, code: string | undefined): Classified | undefined {
  if (target.family === 6 && code === 'EACCES')
    return { state: 'filtered', reason: 'host-unreachable' };
  return undefined;
}
