// A follow-up request to a UDP port that already answered (NTP's READVAR): one datagram out on
// a connected socket, the first answer back, within a time cap.
import dgram from 'node:dgram';
import type { ProbeTarget } from '../tcp-probe.js';

/** Bytes of an answer kept for reading it (the rest is only counted). */
export const UDP_ANSWER_CAP = 4096;

/** One request, the first answer (at most UDP_ANSWER_CAP bytes) or undefined after the time
 *  cap (default 2 s) or any error. For follow-up requests to a port that already answered. */
export function udpExchange(
  target: ProbeTarget,
  port: number,
  request: Uint8Array,
  options: { localAddress?: string; signal?: AbortSignal; timeCapMs?: number } = {},
): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: target.family === 6 ? 'udp6' : 'udp4' });
    let finished = false;
    const finish = (v: Uint8Array | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {}
      resolve(v);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), options.timeCapMs ?? 2000);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', () => finish(undefined));
    socket.on('message', (msg) => finish(Buffer.from(msg.subarray(0, UDP_ANSWER_CAP))));
    const go = () =>
      socket.connect(port, target.address, () => {
        if (!finished) socket.send(request, (err) => err && finish(undefined));
      });
    try {
      if (options.localAddress) socket.bind({ address: options.localAddress, port: 0 }, go);
      else go();
    } catch {
      finish(undefined);
    }
  });
}
