// DNS 53 and mDNS 5353, through dns-packet (a maintained encoder/decoder).
//
// DNS: one recursion-desired query for a fresh random label under `.invalid` (RFC 6761: a name
// guaranteed not to exist, so no real zone's servers are asked about anything). A server that
// sets RA and answers NOERROR or NXDOMAIN resolved a name it does not serve for a stranger:
// `dns-open-resolver` (nmap dns-recursion reads the same bits). REFUSED, or no RA, is not.
// mDNS: one legacy-unicast query for the DNS-SD service list (RFC 6763 §9); any answer is
// `mdns-responds` (a LAN protocol answering the internet).
import { randomBytes } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { finding } from '../findings.js';
import { amplification, type UdpService } from './service.js';

export const DNS_TEST_DOMAIN = 'selfscan-probe.invalid';

export function dnsRecursionQuery(label = randomBytes(6).toString('hex')): Uint8Array {
  return dnsPacket.encode({
    type: 'query',
    id: randomBytes(2).readUInt16BE(0),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', class: 'IN', name: `${label}.${DNS_TEST_DOMAIN}` }],
  });
}

function decode(answer: Uint8Array): dnsPacket.Packet | undefined {
  try {
    return dnsPacket.decode(Buffer.from(answer));
  } catch {
    return undefined;
  }
}

export const dns: UdpService = {
  name: 'dns',
  request: () => dnsRecursionQuery(),
  findings(answer, port, requestBytes) {
    const p = decode(answer);
    if (p?.type !== 'response') return [];
    const flags = p.flags ?? 0;
    const ra = (flags & dnsPacket.RECURSION_AVAILABLE) !== 0;
    const rcode = flags & 0xf; // 0 NOERROR, 3 NXDOMAIN
    if (!ra || (rcode !== 0 && rcode !== 3)) return [];
    return [
      finding(port, 'udp', 'dns-open-resolver', {
        rcode: rcode === 0 ? 'NOERROR' : 'NXDOMAIN',
        answerBytes: answer.length,
        amplification: amplification(answer.length, requestBytes),
      }),
    ];
  },
};

export const MDNS_QUERY = dnsPacket.encode({
  type: 'query',
  id: 0x5353,
  questions: [{ type: 'PTR', class: 'IN', name: '_services._dns-sd._udp.local' }],
});

export const mdns: UdpService = {
  name: 'mdns',
  request: () => MDNS_QUERY,
  findings(answer, port, requestBytes) {
    const p = decode(answer);
    if (p?.type !== 'response') return [];
    return [
      finding(port, 'udp', 'mdns-responds', {
        answers: p.answers?.length ?? 0,
        answerBytes: answer.length,
        amplification: amplification(answer.length, requestBytes),
      }),
    ];
  },
};
