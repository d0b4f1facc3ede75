// Which network (autonomous system) owns an address: an offline table, read from an operator's
// CSV/TSV once (`selfscan asn import FILE`, cli/asn-import.ts) into a compact binary file in the
// data folder, then loaded into typed arrays and searched by binary search. No lookup ever leaves
// the machine. Accepted inputs, one range per line, addresses as literals:
// - ip-location-db `asn` CSV (CC BY 4.0, needs the DB-IP attribution on result pages):
//   `start,end,asn,name` (names may be "quoted, with commas");
// - iptoasn `ip2asn-*.tsv` (PDDL): `start<TAB>end<TAB>asn<TAB>country<TAB>name`, ASN 0 = not routed.
// The third field is the AS number (an `AS` prefix is allowed), the last one its name.
import ipaddr from 'ipaddr.js';

export interface AsnInfo {
  asn: number;
  name: string;
}

export interface AsnTableInfo {
  /** What the operator imported (file name, free text), shown on the operations page. */
  source: string;
  importedAt: string;
  v4Ranges: number;
  v6Ranges: number;
  /** Shown beside every result that uses the table (e.g. the DB-IP link CC BY 4.0 asks for). */
  attribution: string;
}

const MAGIC = 'SSASN1\n\0';

interface Header {
  source: string;
  importedAt: string;
  attribution: string;
  /** AS number and name, indexed by the ranges' `who` arrays. */
  asns: [number, string][];
  v4: number;
  v6: number;
}

export class AsnParseError extends Error {
  override name = 'AsnParseError';
}

/** One line's fields: commas or tabs, double quotes around a field ("" inside is a quote). */
function fields(line: string): string[] {
  if (line.includes('\t')) return line.split('\t').map((f) => f.trim());
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new AsnParseError('unterminated quote');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (line[i] === ',') i++;
      else if (i < line.length) throw new AsnParseError('text after a quoted field');
      else break;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i).trim());
        break;
      }
      out.push(line.slice(i, c).trim());
      i = c + 1;
    }
  }
  return out;
}

const v4Number = (ip: ipaddr.IPv4) => {
  const b = ip.octets;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
};

function v6Parts(ip: ipaddr.IPv6): [bigint, bigint] {
  const p = ip.parts;
  let hi = 0n;
  let lo = 0n;
  for (let i = 0; i < 4; i++) hi = (hi << 16n) | BigInt(p[i]!);
  for (let i = 4; i < 8; i++) lo = (lo << 16n) | BigInt(p[i]!);
  return [hi, lo];
}

interface V4Row {
  start: number;
  end: number;
  who: number;
}
interface V6Row {
  sh: bigint;
  sl: bigint;
  eh: bigint;
  el: bigint;
  who: number;
}

export interface ParseReport {
  v4: number;
  v6: number;
  /** Lines skipped: comments, headers, ASN 0 ("not routed"), overlaps. */
  skipped: number;
}

/** Parses an operator's CSV/TSV (see the file comment) and returns the binary table file.
 *  Throws AsnParseError naming the first bad line. */
export function buildAsnTable(
  text: string,
  meta: { source: string; importedAt: string; attribution: string },
): { bytes: Buffer; report: ParseReport } {
  const asns: [number, string][] = [];
  const index = new Map<string, number>();
  const v4: V4Row[] = [];
  const v6: V6Row[] = [];
  let skipped = 0;
  let lineNo = 0;
  for (const raw of text.split(/\r?\n/)) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let f: string[];
    try {
      f = fields(line);
    } catch (err) {
      throw new AsnParseError(`line ${lineNo}: ${(err as Error).message}`);
    }
    if (f.length < 4)
      throw new AsnParseError(`line ${lineNo}: expected start, end, AS number, name`);
    const asnText = f[2]!.replace(/^AS/i, '');
    if (!/^\d{1,10}$/.test(asnText)) {
      if (lineNo === 1) {
        skipped++; // a header line
        continue;
      }
      throw new AsnParseError(`line ${lineNo}: ${JSON.stringify(f[2])} is not an AS number`);
    }
    const asn = Number(asnText);
    if (asn === 0 || asn > 4_294_967_295) {
      skipped++;
      continue;
    }
    const name = f[f.length - 1]!.slice(0, 200);
    let start: ipaddr.IPv4 | ipaddr.IPv6;
    let end: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      start = ipaddr.parse(f[0]!);
      end = ipaddr.parse(f[1]!);
    } catch {
      throw new AsnParseError(`line ${lineNo}: the range must be two IP address literals`);
    }
    if (start.kind() !== end.kind())
      throw new AsnParseError(`line ${lineNo}: the range mixes IPv4 and IPv6`);
    const key = `${asn}\0${name}`;
    let who = index.get(key);
    if (who === undefined) {
      who = asns.length;
      asns.push([asn, name]);
      index.set(key, who);
    }
    if (start.kind() === 'ipv4') {
      const s = v4Number(start as ipaddr.IPv4);
      const e = v4Number(end as ipaddr.IPv4);
      if (e < s) throw new AsnParseError(`line ${lineNo}: the range ends before it starts`);
      v4.push({ start: s, end: e, who });
    } else {
      const [sh, sl] = v6Parts(start as ipaddr.IPv6);
      const [eh, el] = v6Parts(end as ipaddr.IPv6);
      if (eh < sh || (eh === sh && el < sl))
        throw new AsnParseError(`line ${lineNo}: the range ends before it starts`);
      v6.push({ sh, sl, eh, el, who });
    }
  }
  // Sorted by start; a range overlapping the one before it is dropped (the earlier one wins).
  v4.sort((a, b) => a.start - b.start);
  const v4Kept: V4Row[] = [];
  for (const r of v4) {
    const prev = v4Kept.at(-1);
    if (prev && r.start <= prev.end) skipped++;
    else v4Kept.push(r);
  }
  v6.sort((a, b) =>
    a.sh === b.sh ? (a.sl < b.sl ? -1 : a.sl > b.sl ? 1 : 0) : a.sh < b.sh ? -1 : 1,
  );
  const v6Kept: V6Row[] = [];
  for (const r of v6) {
    const prev = v6Kept.at(-1);
    if (prev && (r.sh < prev.eh || (r.sh === prev.eh && r.sl <= prev.el))) skipped++;
    else v6Kept.push(r);
  }

  const header: Header = { ...meta, asns, v4: v4Kept.length, v6: v6Kept.length };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const pad = (8 - ((MAGIC.length + 4 + headerBytes.length) % 8)) % 8;
  const n4 = v4Kept.length;
  const n6 = v6Kept.length;
  // Little-endian through a DataView, whatever the platform: v4 starts, ends, owners (u32 each),
  // then per v6 range start hi/lo, end hi/lo (u64 each) and its owner (u32).
  const body = Buffer.alloc(n4 * 12 + n6 * 36);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  v4Kept.forEach((r, i) => {
    view.setUint32(i * 4, r.start, true);
    view.setUint32((n4 + i) * 4, r.end, true);
    view.setUint32((2 * n4 + i) * 4, r.who, true);
  });
  let o = n4 * 12;
  for (const r of v6Kept) {
    view.setBigUint64(o, r.sh, true);
    view.setBigUint64(o + 8, r.sl, true);
    view.setBigUint64(o + 16, r.eh, true);
    view.setBigUint64(o + 24, r.el, true);
    view.setUint32(o + 32, r.who, true);
    o += 36;
  }
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBytes.length);
  return {
    bytes: Buffer.concat([Buffer.from(MAGIC, 'latin1'), len, headerBytes, Buffer.alloc(pad), body]),
    report: { v4: n4, v6: n6, skipped },
  };
}

/** The loaded table: typed arrays, binary search. */
export class AsnTable {
  readonly info: AsnTableInfo;
  readonly #asns: [number, string][];
  readonly #v4s: Uint32Array;
  readonly #v4e: Uint32Array;
  readonly #v4w: Uint32Array;
  readonly #v6sh: BigUint64Array;
  readonly #v6sl: BigUint64Array;
  readonly #v6eh: BigUint64Array;
  readonly #v6el: BigUint64Array;
  readonly #v6w: Uint32Array;

  private constructor(header: Header, view: DataView) {
    this.info = {
      source: header.source,
      importedAt: header.importedAt,
      attribution: header.attribution,
      v4Ranges: header.v4,
      v6Ranges: header.v6,
    };
    this.#asns = header.asns;
    const n4 = header.v4;
    const n6 = header.v6;
    this.#v4s = new Uint32Array(n4);
    this.#v4e = new Uint32Array(n4);
    this.#v4w = new Uint32Array(n4);
    for (let i = 0; i < n4; i++) {
      this.#v4s[i] = view.getUint32(i * 4, true);
      this.#v4e[i] = view.getUint32((n4 + i) * 4, true);
      this.#v4w[i] = view.getUint32((2 * n4 + i) * 4, true);
    }
    this.#v6sh = new BigUint64Array(n6);
    this.#v6sl = new BigUint64Array(n6);
    this.#v6eh = new BigUint64Array(n6);
    this.#v6el = new BigUint64Array(n6);
    this.#v6w = new Uint32Array(n6);
    let o = n4 * 12;
    for (let i = 0; i < n6; i++) {
      this.#v6sh[i] = view.getBigUint64(o, true);
      this.#v6sl[i] = view.getBigUint64(o + 8, true);
      this.#v6eh[i] = view.getBigUint64(o + 16, true);
      this.#v6el[i] = view.getBigUint64(o + 24, true);
      this.#v6w[i] = view.getUint32(o + 32, true);
      o += 36;
    }
  }

  /** Reads a file written by buildAsnTable. Throws AsnParseError when it is not one. */
  static fromBytes(bytes: Uint8Array): AsnTable {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC)
      throw new AsnParseError(
        'not a selfscan ASN table (import the CSV/TSV with `selfscan asn import`)',
      );
    const len = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    let header: Header;
    try {
      header = JSON.parse(buf.toString('utf8', start, start + len)) as Header;
    } catch {
      throw new AsnParseError('the ASN table header is damaged');
    }
    const pad = (8 - ((start + len) % 8)) % 8;
    const bodyStart = start + len + pad;
    const need = header.v4 * 12 + header.v6 * 36;
    if (buf.length - bodyStart < need) throw new AsnParseError('the ASN table is truncated');
    return new AsnTable(header, new DataView(buf.buffer, buf.byteOffset + bodyStart, need));
  }

  /** The network that owns a literal address (already normalised, no zone), or null. */
  lookup(address: string): AsnInfo | null {
    let ip: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      ip = ipaddr.parse(address);
    } catch {
      return null;
    }
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
      ip = (ip as ipaddr.IPv6).toIPv4Address();
    let who = -1;
    if (ip.kind() === 'ipv4') {
      const x = v4Number(ip as ipaddr.IPv4);
      let lo = 0;
      let hi = this.#v4s.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (this.#v4s[mid]! <= x) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found >= 0 && x <= this.#v4e[found]!) who = this.#v4w[found]!;
    } else {
      const [xh, xl] = v6Parts(ip as ipaddr.IPv6);
      let lo = 0;
      let hi = this.#v6sh.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const sh = this.#v6sh[mid]!;
        if (sh < xh || (sh === xh && this.#v6sl[mid]! <= xl)) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found >= 0) {
        const eh = this.#v6eh[found]!;
        if (xh < eh || (xh === eh && xl <= this.#v6el[found]!)) who = this.#v6w[found]!;
      }
    }
    if (who < 0) return null;
    const entry = this.#asns[who];
    return entry ? { asn: entry[0], name: entry[1] } : null;
  }
}
