// NetBIOS-NS 137: one node-status request for the wildcard name "*" (RFC 1002 4.2.17; nmap
// nbstat). The answer's name table (computer, workgroup, logged-in user names) and MAC are
// `netbios-names`. Hand-built: 50 fixed bytes, no maintained library covers NBNS.
import { finding, sanitizeText } from '../findings.js';
import type { UdpService } from './service.js';

export const NBNS_NODE_STATUS = Buffer.concat([
  // id 0x80f0, flags 0 (query), 1 question, 0 answer/authority/additional
  Buffer.from([0x80, 0xf0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
  // "*" padded with NULs to 16 bytes, first-level encoded: 'CK' + 'AA' × 15
  Buffer.from([0x20]),
  Buffer.from(`CK${'A'.repeat(30)}`, 'latin1'),
  Buffer.from([0x00]),
  Buffer.from([0x00, 0x21, 0x00, 0x01]), // type NBSTAT, class IN
]);

export interface NodeStatus {
  names: string[];
  mac?: string;
}

/** The name table of a node-status answer, or undefined. */
export function parseNodeStatus(answer: Uint8Array): NodeStatus | undefined {
  if (answer.length < 12 || (answer[2]! & 0x80) === 0) return undefined;
  const ancount = (answer[6]! << 8) | answer[7]!;
  if (ancount < 1) return undefined;
  let at = 12;
  // The answer's name: labels, or a compression pointer.
  while (at < answer.length) {
    const len = answer[at]!;
    if (len === 0) {
      at += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      at += 2;
      break;
    }
    at += 1 + len;
  }
  if (at + 11 > answer.length) return undefined;
  const type = (answer[at]! << 8) | answer[at + 1]!;
  if (type !== 0x21) return undefined;
  at += 10; // type, class, ttl, rdlength
  const count = answer[at]!;
  at += 1;
  const names: string[] = [];
  for (let i = 0; i < count && at + 18 <= answer.length; i++, at += 18) {
    const name = sanitizeText(answer.subarray(at, at + 15), 15);
    const suffix = answer[at + 15]!;
    const label = `${name}<${suffix.toString(16).padStart(2, '0')}>`;
    if (name && !names.includes(label)) names.push(label);
  }
  const mac =
    at + 6 <= answer.length
      ? [...answer.subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':')
      : undefined;
  return { names, ...(mac ? { mac } : {}) };
}

export const netbios: UdpService = {
  name: 'netbios-ns',
  request: () => NBNS_NODE_STATUS,
  findings(answer, port) {
    const status = parseNodeStatus(answer);
    if (!status || status.names.length === 0) return [];
    return [
      finding(port, 'udp', 'netbios-names', {
        names: status.names.slice(0, 8).join(' '),
        count: status.names.length,
        ...(status.mac && status.mac !== '00:00:00:00:00:00' ? { mac: status.mac } : {}),
      }),
    ];
  },
};
