// RDP on 3389: two X.224 Connection Requests with an RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1; nmap
// rdp.lua), each on its own connection, nothing after the Connection Confirm:
// - requesting TLS only (PROTOCOL_SSL): a Confirm selecting TLS means the login screen is
//   reachable before any authentication → `rdp-nla-not-required`; FAILURE 5
//   (HYBRID_REQUIRED_BY_SERVER) means NLA (CredSSP) is required;
// - requesting standard RDP security (0): a Confirm selecting it (or a pre-negotiation server
//   that answers without an RDP_NEG_RSP) → `rdp-legacy-security`, and NLA is not required either.
import { type Finding, finding } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type ExchangeOptions, tcpExchange } from './exchange.js';

export const PROTOCOL_RDP = 0;
export const PROTOCOL_SSL = 1;

export function x224ConnectionRequest(requestedProtocols: number): Buffer {
  const neg = Buffer.from([0x01, 0x00, 0x08, 0x00, 0, 0, 0, 0]);
  neg.writeUInt32LE(requestedProtocols, 4);
  const x224 = Buffer.concat([Buffer.from([6 + neg.length, 0xe0, 0, 0, 0, 0, 0]), neg]);
  const tpkt = Buffer.from([0x03, 0x00, 0, 0]);
  tpkt.writeUInt16BE(4 + x224.length, 2);
  return Buffer.concat([tpkt, x224]);
}

export type NegAnswer =
  | { kind: 'selected'; protocol: number }
  | { kind: 'failure'; code: number }
  | { kind: 'no-negotiation' };

export function parseConnectionConfirm(reply: Buffer): NegAnswer | undefined {
  if (reply.length < 11 || reply[0] !== 0x03 || (reply[5]! & 0xf0) !== 0xd0) return undefined;
  const total = reply.readUInt16BE(2);
  if (total < 19 || reply.length < 19) return { kind: 'no-negotiation' };
  const type = reply[11];
  const value = reply.readUInt32LE(15);
  if (type === 0x02) return { kind: 'selected', protocol: value };
  if (type === 0x03) return { kind: 'failure', code: value };
  return undefined;
}

const wholeTpkt = (b: Buffer) => b.length >= 4 && b.length >= b.readUInt16BE(2);

export async function identifyRdp(
  target: ProbeTarget,
  port: number,
  options: ExchangeOptions,
): Promise<Finding[]> {
  const ask = async (protocols: number) => {
    const r = await tcpExchange(
      target,
      port,
      async (c) => {
        c.send(x224ConnectionRequest(protocols));
        return c.read(wholeTpkt);
      },
      options,
    );
    return r.value ? parseConnectionConfirm(r.value) : undefined;
  };
  const tlsOnly = await ask(PROTOCOL_SSL);
  if (options.signal?.aborted) return [];
  const legacy = await ask(PROTOCOL_RDP);
  const out: Finding[] = [];
  const legacyAllowed =
    legacy?.kind === 'no-negotiation' ||
    (legacy?.kind === 'selected' && legacy.protocol === PROTOCOL_RDP);
  const tlsWithoutNla = tlsOnly?.kind === 'selected' && tlsOnly.protocol === PROTOCOL_SSL;
  if (tlsWithoutNla || legacyAllowed) {
    out.push(
      finding(port, 'tcp', 'rdp-nla-not-required', {
        ...(tlsWithoutNla ? { tls: true } : {}),
      }),
    );
  }
  if (legacyAllowed) out.push(finding(port, 'tcp', 'rdp-legacy-security'));
  if (tlsOnly?.kind === 'failure' && tlsOnly.code === 5) {
    out.push(finding(port, 'tcp', 'banner', { service: 'rdp', nla: 'required' }));
  }
  return out;
}
