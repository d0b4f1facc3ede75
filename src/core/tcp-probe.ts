// One TCP connect() probe of one port. Never writes to the socket: an open port is closed at once
// with a RST, so no half-open session and no TIME-WAIT is left on the user's side.
//
// Two interchangeable backends. `handle` drives libuv's TCP handle (the object net.Socket wraps)
// directly: a probe needs no stream, so it is about 3× cheaper per port, which decides how fast a
// 65 535-port scan runs (docs/benchmarks.md). `socket` is the public net.Socket path; it is used
// whenever the handle binding is not available, and tests run both and require equal results.
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { type Classified, classifyConnectError } from './port-state.js';

export interface ProbeTarget {
  address: string;
  family: 4 | 6;
}

export type AttemptOutcome =
  | ({ kind: 'answer'; ms: number } & Classified) // the path or the host answered: an RTT sample
  | { kind: 'silent'; ms: number } // cancelled (deadline) or the kernel timed out first
  | ({ kind: 'local'; ms: number } & Classified); // the scanner's own failure (errno)

export interface RunningProbe {
  /** Ends the attempt now; `done` then reports `silent` (unless an outcome came first). */
  cancel(): void;
}

export type ProbeBackend = 'handle' | 'socket';

export type StartProbe = (
  target: ProbeTarget,
  port: number,
  localAddress: string | undefined,
  done: (outcome: AttemptOutcome) => void,
) => RunningProbe;

/** Turns a connect() result into an outcome. */
function outcomeOf(target: ProbeTarget, code: string | undefined, ms: number): AttemptOutcome {
  const classified = classifyIpv6Icmp(target, code) ?? classifyConnectError(code);
  if (classified.reason === 'timeout') return { kind: 'silent', ms };
  return { kind: classified.state === 'error' ? 'local' : 'answer', ms, ...classified };
}

/** Linux reports an ICMPv6 "administratively prohibited" from the path as EACCES (IPv4's
 *  equivalent arrives as EHOSTUNREACH). A local refusal (a `prohibit` route) is caught by the
 *  scan's route check before any probe, so on IPv6 an EACCES here is the path's answer. */
function classifyIpv6Icmp(target: ProbeTarget, code: string | undefined): Classified | undefined {
  if (target.family === 6 && code === 'EACCES')
    return { state: 'filtered', reason: 'host-unreachable' };
  return undefined;
}

/** A connection whose local and remote ends are the same address and port (TCP simultaneous
 *  open with itself, possible on loopback) proves that nothing listens: closed. */
function connectedOutcome(self: boolean, ms: number): AttemptOutcome {
  return self
    ? { kind: 'answer', ms, state: 'closed', reason: 'refused' }
    : { kind: 'answer', ms, state: 'open', reason: 'syn-ack' };
}

// ---------------------------------------------------------------------------------------------
// `socket` backend: net.Socket.

const startSocketProbe: StartProbe = (target, port, localAddress, done) => {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let settled = false;
  const settle = (outcome: AttemptOutcome) => {
    if (settled) return;
    settled = true;
    done(outcome);
  };
  let socket: net.Socket;
  try {
    socket = net.connect({
      host: target.address,
      port,
      family: target.family,
      autoSelectFamily: false,
      ...(localAddress ? { localAddress } : {}),
    });
  } catch (err) {
    queueMicrotask(() =>
      settle(outcomeOf(target, (err as NodeJS.ErrnoException).code ?? 'unknown', elapsed())),
    );
    return { cancel() {} };
  }
  socket.once('connect', () => {
    const ms = elapsed();
    const self =
      socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
    socket.resetAndDestroy();
    settle(connectedOutcome(self, ms));
  });
  socket.once('error', (err: NodeJS.ErrnoException) => {
    socket.destroy();
    settle(outcomeOf(target, err.code, elapsed()));
  });
  return {
    cancel() {
      if (settled) return;
      settle({ kind: 'silent', ms: elapsed() });
      socket.destroy();
    },
  };
};

// ---------------------------------------------------------------------------------------------
// `handle` backend: libuv's TCP handle, as net.Socket uses it internally.

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  getpeername(out: { address?: string; port?: number }): number;
  reset(callback: () => void): number;
  close(callback?: () => void): void;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
  address: string;
  port: number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

function loadTcpWrap(): TcpWrapBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): TcpWrapBinding }).binding(
      'tcp_wrap',
    );
    const probe = new binding.TCP(binding.constants.SOCKET);
    const usable = [
      'connect',
      'connect6',
      'bind',
      'bind6',
      'getsockname',
      'getpeername',
      'reset',
      'close',
    ].every((m) => typeof (probe as unknown as Record<string, unknown>)[m] === 'function');
    probe.close();
    return usable ? binding : undefined;
  } catch {
    return undefined;
  }
}

const tcpWrap = loadTcpWrap();
const errName = (status: number) => {
  try {
    return getSystemErrorName(status);
  } catch {
    return `errno${status}`;
  }
};

function makeHandleProbe(binding: TcpWrapBinding): StartProbe {
  return (target, port, localAddress, done) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let settled = false;
    const handle = new binding.TCP(binding.constants.SOCKET);
    const finish = (outcome: AttemptOutcome, reset = false) => {
      if (settled) return;
      settled = true;
      if (reset) handle.reset(() => {});
      else handle.close();
      done(outcome);
    };
    const fail = (status: number) =>
      queueMicrotask(() => finish(outcomeOf(target, errName(status), elapsed())));

    if (localAddress) {
      const err =
        target.family === 6 ? handle.bind6(localAddress, 0, 0) : handle.bind(localAddress, 0);
      if (err) {
        fail(err);
        return { cancel() {} };
      }
    }
    const req = new binding.TCPConnectWrap();
    req.address = target.address;
    req.port = port;
    req.oncomplete = (status: number) => {
      if (settled) return;
      const ms = elapsed();
      if (status !== 0) {
        finish(outcomeOf(target, errName(status), ms));
        return;
      }
      const local: { address?: string; port?: number } = {};
      const peer: { address?: string; port?: number } = {};
      handle.getsockname(local);
      handle.getpeername(peer);
      finish(
        connectedOutcome(local.port === peer.port && local.address === peer.address, ms),
        true,
      );
    };
    const err =
      target.family === 6
        ? handle.connect6(req, target.address, port)
        : handle.connect(req, target.address, port);
    if (err) fail(err);
    return {
      cancel() {
        if (!settled) finish({ kind: 'silent', ms: elapsed() });
      },
    };
  };
}

const BACKENDS: Partial<Record<ProbeBackend, StartProbe>> = {
  socket: startSocketProbe,
  ...(tcpWrap ? { handle: makeHandleProbe(tcpWrap) } : {}),
};

/** The backends this Node.js offers (tests compare them). */
export const availableProbeBackends = (): ProbeBackend[] => Object.keys(BACKENDS) as ProbeBackend[];

export function probeStarter(backend?: ProbeBackend): StartProbe {
  const chosen = backend ? BACKENDS[backend] : (BACKENDS.handle ?? BACKENDS.socket);
  if (!chosen) throw new Error(`probe backend ${backend} is not available`);
  return chosen;
}

/** One attempt as a promise, ended by `signal` (canary, tests). */
export function probeOnce(
  target: ProbeTarget,
  port: number,
  options: { signal: AbortSignal; localAddress?: string; backend?: ProbeBackend },
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    if (options.signal.aborted) {
      resolve({ kind: 'silent', ms: 0 });
      return;
    }
    const running = probeStarter(options.backend)(target, port, options.localAddress, (outcome) => {
      options.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
    const onAbort = () => running.cancel();
    options.signal.addEventListener('abort', onAbort, { once: true });
  });
}
