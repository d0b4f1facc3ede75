// Reads the pcap files tcpdump writes on a lab link (Ethernet; IPv4 and IPv6 without extension
// headers; TCP and UDP), for tests that prove what a peer received.
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';

export interface Packet {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** TCP only. */
  seq?: number;
  flags?: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;

/** RFC 5952 text (ipaddr.js), as `canonical()` gives for the lab's addresses. */
function v6(b: Buffer): string {
  return ipaddr.fromByteArray([...b]).toString();
}

export function canonical(address: string): string {
  return ipaddr.parse(address).toString();
}

export function readPcap(file: string): Packet[] {
  const buf = readFileSync(file);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: Packet[] = [];
  let at = 24;
  while (at + 16 <= buf.length) {
    const incl = u32(at + 8);
    const frame = buf.subarray(at + 16, at + 16 + incl);
    at += 16 + incl;
    if (frame.length < 14) continue;
    const ethertype = frame.readUInt16BE(12);
    let l4: Buffer;
    let proto: number;
    let src: string;
    let dst: string;
    if (ethertype === 0x0800) {
      const ip = frame.subarray(14);
      const ihl = (ip[0]! & 0x0f) * 4;
      const total = ip.readUInt16BE(2);
      proto = ip[9]!;
      src = [...ip.subarray(12, 16)].join('.');
      dst = [...ip.subarray(16, 20)].join('.');
      l4 = ip.subarray(ihl, total);
    } else if (ethertype === 0x86dd) {
      const ip = frame.subarray(14);
      proto = ip[6]!;
      src = v6(ip.subarray(8, 24));
      dst = v6(ip.subarray(24, 40));
      l4 = ip.subarray(40, 40 + ip.readUInt16BE(4));
    } else continue;
    if (proto === 17 && l4.length >= 8) {
      out.push({
        src,
        dst,
        proto: 'udp',
        srcPort: l4.readUInt16BE(0),
        dstPort: l4.readUInt16BE(2),
        payload: Buffer.from(l4.subarray(8, l4.readUInt16BE(4))),
      });
    } else if (proto === 6 && l4.length >= 20) {
      const off = (l4[12]! >> 4) * 4;
      out.push({
        src,
        dst,
        proto: 'tcp',
        srcPort: l4.readUInt16BE(0),
        dstPort: l4.readUInt16BE(2),
        seq: l4.readUInt32BE(4),
        flags: l4[13]!,
        payload: Buffer.from(l4.subarray(off)),
      });
    }
  }
  return out;
}

export interface TcpStream {
  dstPort: number;
  srcPort: number;
  /** The bytes the client sent, in sequence order, retransmissions removed. */
  sent: Buffer;
  /** The client ended the connection with a RST. */
  reset: boolean;
  fin: boolean;
}

/** Client→server TCP streams from `from`, one per connection. */
export function tcpStreams(packets: readonly Packet[], from: string): TcpStream[] {
  const by = new Map<
    string,
    { dstPort: number; srcPort: number; parts: Map<number, Buffer>; reset: boolean; fin: boolean }
  >();
  for (const p of packets) {
    if (p.proto !== 'tcp' || p.src !== from) continue;
    const key = `${p.srcPort}>${p.dstPort}`;
    let s = by.get(key);
    if (!s) {
      s = { dstPort: p.dstPort, srcPort: p.srcPort, parts: new Map(), reset: false, fin: false };
      by.set(key, s);
    }
    if (p.payload.length > 0) s.parts.set(p.seq!, p.payload);
    if (p.flags! & TCP_RST) s.reset = true;
    if (p.flags! & TCP_FIN) s.fin = true;
  }
  return [...by.values()].map((s) => ({
    dstPort: s.dstPort,
    srcPort: s.srcPort,
    // Sequence numbers of one short request do not wrap in practice; sort and join.
    sent: Buffer.concat([...s.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b)),
    reset: s.reset,
    fin: s.fin,
  }));
}
