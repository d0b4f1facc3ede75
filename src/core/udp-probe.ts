// One UDP probe of one port: a connected datagram socket sends the port's one request
// (udp/index.ts). An answer is `open`; an ICMP port unreachable arrives as ECONNREFUSED on the
// connected socket (Linux reports ICMP errors only to connected UDP sockets) and is `closed`;
// other ICMP unreachables from the path are `filtered`; silence is `filtered` / `no-response`,
// decided by the scan's timing exactly as for TCP (re-probes, silence floor) — with the honest
// caveat that UDP silence proves little. A connected socket also means the only packets it can
// receive are the target's: nothing else is read.
import dgram from 'node:dgram';
import type { Classified } from './port-state.js';
import type { Prober } from './prober.js';
import type { AttemptOutcome, ProbeTarget, StartProbe } from './tcp-probe.js';
import { UDP_ANSWER_CAP } from './udp/exchange.js';
import { type UdpAnswer, udpRequestFor } from './udp/index.js';

function classifyUdpError(target: ProbeTarget, code: string | undefined): Classified {
  switch (code) {
    case 'ECONNREFUSED':
      return { state: 'closed', reason: 'port-unreachable' };
    case 'EHOSTUNREACH':
      return { state: 'filtered', reason: 'host-unreachable' };
    case 'EACCES': // IPv6 admin-prohibited from the path (tcp-probe.ts explains)
      if (target.family === 6) return { state: 'filtered', reason: 'host-unreachable' };
      return { state: 'error', reason: 'local-EACCES' };
    default:
      return { state: 'error', reason: `local-${code ?? 'unknown'}` };
  }
}

function startUdp(onAnswer?: (a: UdpAnswer) => void): StartProbe {
  return (target, port, localAddress, done) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let settled = false;
    const socket = dgram.createSocket({ type: target.family === 6 ? 'udp6' : 'udp4' });
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      try {
        socket.close();
      } catch {}
      done(outcome);
    };
    const request = udpRequestFor(port);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const c = classifyUdpError(target, err.code);
      settle({ kind: c.state === 'error' ? 'local' : 'answer', ms: elapsed(), ...c });
    });
    socket.on('message', (msg) => {
      if (settled) return;
      onAnswer?.({
        port,
        requestBytes: request.length,
        answerBytes: msg.length,
        answer: Buffer.from(msg.subarray(0, UDP_ANSWER_CAP)),
      });
      settle({ kind: 'answer', ms: elapsed(), state: 'open', reason: 'udp-response' });
    });
    const go = () =>
      socket.connect(port, target.address, () => {
        if (settled) return;
        socket.send(request, (err) => {
          if (err) socket.emit('error', err);
        });
      });
    try {
      if (localAddress) socket.bind({ address: localAddress, port: 0 }, go);
      else go();
    } catch (err) {
      queueMicrotask(() => socket.emit('error', err));
    }
    return {
      cancel() {
        settle({ kind: 'silent', ms: elapsed() });
      },
    };
  };
}

/** UDP probes; `onAnswer` receives each port's first answer (for udpFindings). */
export function udpProber(options: { onAnswer?: (a: UdpAnswer) => void } = {}): Prober {
  return { protocol: 'udp', start: startUdp(options.onAnswer), silentReason: 'no-response' };
}
