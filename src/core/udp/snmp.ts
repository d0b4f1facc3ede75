// SNMP 161: one v1 GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0) with the community "public"
// (nmap snmp-sysdescr; reference/wave2-anchors.md §3). Read-only: a Get never changes the agent.
// An answering agent (GetResponse 0xA2 carrying an OctetString) is `snmp-public`.
import { finding, sanitizeText } from '../findings.js';
import { children, readTlv, tlv } from './ber.js';
import type { UdpService } from './service.js';

const SYS_DESCR_OID = Uint8Array.from([0x2b, 6, 1, 2, 1, 1, 1, 0]);
export const SNMP_COMMUNITY = 'public';

export function snmpGetRequest(requestId: number): Uint8Array {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(requestId >>> 0);
  const int0 = tlv(0x02, Uint8Array.of(0));
  return tlv(
    0x30,
    int0, // version: 0 = v1
    tlv(0x04, Buffer.from(SNMP_COMMUNITY)),
    tlv(
      0xa0, // GetRequest-PDU
      tlv(0x02, id),
      int0, // error-status
      int0, // error-index
      tlv(0x30, tlv(0x30, tlv(0x06, SYS_DESCR_OID), Uint8Array.of(0x05, 0x00))),
    ),
  );
}

/** sysDescr from a GetResponse, or undefined when the answer is not one. */
export function parseSysDescr(answer: Uint8Array): string | undefined {
  const msg = readTlv(answer, 0);
  if (msg?.tag !== 0x30) return undefined;
  const [version, community, pdu] = children(msg.value);
  if (version?.tag !== 0x02 || community?.tag !== 0x04 || pdu?.tag !== 0xa2) return undefined;
  const [, errorStatus, , bindings] = children(pdu.value);
  if (errorStatus?.tag !== 0x02 || errorStatus.value.some((b) => b !== 0)) return undefined;
  const first = bindings ? children(bindings.value)[0] : undefined;
  const [, value] = first ? children(first.value) : [];
  if (value?.tag !== 0x04) return undefined;
  return sanitizeText(value.value, 160);
}

export const snmp: UdpService = {
  name: 'snmp',
  request: () => snmpGetRequest(0x5e1f5ca0),
  findings(answer, port) {
    const sysDescr = parseSysDescr(answer);
    if (sysDescr === undefined) return [];
    return [finding(port, 'udp', 'snmp-public', { community: SNMP_COMMUNITY, sysDescr })];
  },
};
