// Redis on 6379: PING, and only when it is answered without authentication, INFO server for
// the version. `-NOAUTH` means a password is required (no finding); `+PONG` means anyone can
// read and write the data → `redis-no-auth`. No AUTH is ever sent.
import { type Finding, finding, sanitizeText } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type ExchangeOptions, line, tcpExchange } from './exchange.js';

export const REDIS_PING = Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1');
export const REDIS_INFO_SERVER = Buffer.from('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n', 'latin1');

export async function identifyRedis(
  target: ProbeTarget,
  port: number,
  options: ExchangeOptions,
): Promise<Finding[]> {
  const r = await tcpExchange(
    target,
    port,
    async (c) => {
      c.send(REDIS_PING);
      const pong = (await c.read(line)).toString('latin1');
      if (!pong.startsWith('+PONG')) return { pong, info: '' };
      c.send(REDIS_INFO_SERVER);
      const info = (
        await c.read((b) => /redis_version:[^\r\n]*\r\n/.test(b.toString('latin1')))
      ).toString('latin1');
      return { pong, info };
    },
    options,
  );
  if (!r.value) return [];
  const { pong, info } = r.value;
  if (pong.startsWith('-NOAUTH')) {
    return [finding(port, 'tcp', 'banner', { service: 'redis', auth: 'required' })];
  }
  if (!pong.startsWith('+PONG')) return [];
  const version = /redis_version:([^\r\n]*)/.exec(info)?.[1];
  return [
    finding(port, 'tcp', 'redis-no-auth', version ? { version: sanitizeText(version, 40) } : {}),
  ];
}
