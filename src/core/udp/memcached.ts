// memcached 11211 over UDP: `stats` behind the 8-byte UDP frame header (request id 1, sequence
// 0, one datagram, reserved 0 — memcached's protocol.txt "UDP protocol"). `stats` only reads
// counters. An answer with "STAT pid" is `memcached-udp`: the 2018 amplification vector.
import { finding, sanitizeText } from '../findings.js';
import { amplification, type UdpService } from './service.js';

export const MEMCACHED_REQUEST = Buffer.concat([
  Buffer.from([0, 1, 0, 0, 0, 1, 0, 0]),
  Buffer.from('stats\r\n', 'latin1'),
]);

export const memcached: UdpService = {
  name: 'memcached',
  request: () => MEMCACHED_REQUEST,
  findings(answer, port, requestBytes) {
    if (answer.length < 8) return [];
    const text = Buffer.from(answer.subarray(8)).toString('latin1');
    if (!text.includes('STAT pid')) return [];
    const version = /STAT version ([^\r\n]*)/.exec(text)?.[1];
    return [
      finding(port, 'udp', 'memcached-udp', {
        ...(version ? { version: sanitizeText(version, 40) } : {}),
        // The first datagram only: a full `stats` answer can span several, so this is a floor.
        answerBytes: answer.length,
        amplification: amplification(answer.length, requestBytes),
      }),
    ];
  },
};
