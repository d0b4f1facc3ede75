// Asks the scanner's own routing table whether the target can be reached at all, without sending
// a packet (a UDP connect() only looks up the route). A refusal here — no route (ENETUNREACH), an
// `unreachable` or `prohibit` route, a bad source address — is the scanner's problem: every port
// of that scan is then `error`, never "stealth".
import dgram from 'node:dgram';
import type { ProbeTarget } from './tcp-probe.js';

export function checkRoute(
  target: ProbeTarget,
  localAddress?: string,
): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
    const done = (result: { ok: true } | { ok: false; code: string }) => {
      socket.close();
      resolve(result);
    };
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, code: err.code ?? 'unknown' }),
    );
    const connect = () =>
      socket.connect(9, target.address, (err?: Error) => {
        if (err) done({ ok: false, code: (err as NodeJS.ErrnoException).code ?? 'unknown' });
        else done({ ok: true });
      });
    if (localAddress) socket.bind({ address: localAddress, port: 0 }, connect);
    else connect();
  });
}
