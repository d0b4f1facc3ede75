// The few BER (ASN.1) pieces an SNMP GetRequest and its answer need. Hand-built rather than
// net-snmp: one fixed 43-byte request and one read-only walk of the answer do not justify a
// library with its own sockets, sessions and asn1-ber dependency in the pure core.

export interface Tlv {
  tag: number;
  value: Uint8Array;
  /** Offset just after this TLV in the buffer it was read from. */
  end: number;
}

/** Reads one TLV at `offset`; undefined when the bytes are not a complete, sane TLV. */
export function readTlv(buf: Uint8Array, offset: number): Tlv | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > buf.length) return undefined;
  return { tag, value: buf.subarray(start, end), end };
}

/** The TLVs directly inside a constructed value. */
export function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < value.length) {
    const t = readTlv(value, at);
    if (!t) break;
    out.push(t);
    at = t.end;
  }
  return out;
}

/** Short-form TLV (content < 128 bytes), all this request needs. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  if (body.length > 127) throw new Error('tlv: long form not needed here');
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}
