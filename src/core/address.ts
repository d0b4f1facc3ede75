// Addresses, in one place: parse a literal strictly, normalise it (one spelling per address),
// classify it, mask it to its network, match it against CIDR ranges. Used by the target policy,
// the store's address forms and the requester resolution, so that an address is the same
// address everywhere (`::1.2.3.4` is IPv4-compatible IPv6 `::102:304` for all of them).
//
// Classification follows the IANA IPv4 and IPv6 Special-Purpose Address Registries, not only
// ipaddr.js's range names, and errs towards "not global": `global` means a unicast address that
// one subscriber can hold, so anycast service blocks that IANA marks globally reachable
// (192.0.0.9, 192.0.0.10, AS112, AMT, 2001:1::1–3, ORCHIDv2, DETs) are `reserved` — a probe to
// them would reach whichever service instance is nearest the scanner, a third party.

import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const ADDRESS_CLASSES = [
  'global',
  'cgnat',
  'private',
  'loopback',
  'link-local',
  'unique-local',
  'multicast',
  'reserved',
  '6to4',
  'teredo',
  'nat64',
  'unspecified',
] as const;

export type AddressClass = (typeof ADDRESS_CLASSES)[number];

export type AddressFamily = 4 | 6;

export interface NormalizedAddress {
  /** Dotted quad for IPv4 (IPv4-mapped IPv6 unwrapped), RFC 5952 lowercase compressed for IPv6. */
  address: string;
  family: AddressFamily;
}

/** Thrown for anything that is not a literal IP address or CIDR range. */
export class AddressError extends TypeError {
  override name = 'AddressError';
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

// ---------------------------------------------------------------------------------------------
// Parsing

/** Rewrites a trailing dotted IPv4 part of an IPv6 literal as two hex groups. ipaddr.js reads
 *  `::a.b.c.d` (IPv4-compatible, ::/96) as if it were `::ffff:a.b.c.d`; RFC 4291 says it is not. */
function dottedTailToHex(text: string): string {
  const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) return text;
  const [a, b, c, d] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function parseLiteral(raw: string): Parsed {
  if (typeof raw !== 'string') throw new AddressError('an IP address must be a string');
  const shown = JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
  if (raw.includes('%')) {
    throw new AddressError(
      `${shown} carries an IPv6 zone id; only plain IP addresses are accepted`,
    );
  }
  // node:net's parser is strict: no hostnames, brackets, spaces, leading zeros or the legacy
  // IPv4 forms (`127.1`, `0x7f.0.0.1`, `2130706433`) that ipaddr.parse() would accept.
  const family = isIP(raw);
  if (family === 4) return ipaddr.IPv4.parse(raw);
  if (family === 6) {
    const v6 = ipaddr.IPv6.parse(dottedTailToHex(raw));
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  throw new AddressError(`${shown} is not an IP address (hostnames are not accepted)`);
}

function render(ip: Parsed): NormalizedAddress {
  return ip.kind() === 'ipv4'
    ? { address: ip.toString(), family: 4 }
    : { address: (ip as ipaddr.IPv6).toRFC5952String(), family: 6 };
}

/** Literal IPv4 or IPv6 address → canonical form. IPv4-mapped IPv6 (`::ffff:1.2.3.4`,
 *  `::FFFF:0102:0304`, …) becomes IPv4, like ipaddr.process(); IPv4-compatible `::1.2.3.4`
 *  stays IPv6 (`::102:304`). Throws AddressError on hostnames, zone ids and anything else. */
export function normalizeAddress(raw: string): NormalizedAddress {
  return render(parseLiteral(raw));
}

// ---------------------------------------------------------------------------------------------
// Classification

interface Block {
  net: Parsed;
  bits: number;
  cls: AddressClass;
}

function blocks(table: readonly (readonly [string, AddressClass])[]): Block[] {
  return table.map(([cidr, cls]) => {
    const [net, bits] = ipaddr.parseCIDR(cidr);
    return { net, bits, cls };
  });
}

/** First match wins, so more specific entries come first. Registry: iana-ipv4-special-registry
 *  (plus 224.0.0.0/4 multicast). Everything else is `global`. */
const IPV4_BLOCKS = blocks([
  ['0.0.0.0/32', 'unspecified'], // "this host on this network"
  ['0.0.0.0/8', 'reserved'], // "this network" (RFC 791)
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'], // shared address space (RFC 6598)
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  // IETF protocol assignments (RFC 6890): DS-Lite 192.0.0.0/29, dummy .8, PCP anycast .9 and
  // TURN anycast .10 (IANA: globally reachable, but anycast — not one requester's host),
  // NAT64 discovery .170/.171. All reserved.
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'], // TEST-NET-1
  ['192.31.196.0/24', 'reserved'], // AS112-v4 (anycast)
  ['192.52.193.0/24', 'reserved'], // AMT (anycast)
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast, incl. 6a44 relay .2
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'reserved'], // direct delegation AS112 (anycast)
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // TEST-NET-2
  ['203.0.113.0/24', 'reserved'], // TEST-NET-3
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // reserved for future use, incl. limited broadcast 255.255.255.255
]);

/** Registry: iana-ipv6-special-registry. Outside these, only 2000::/3 (global unicast, IANA IPv6
 *  address space) is `global`; the rest of the address space is reserved by the IETF. */
const IPV6_BLOCKS = blocks([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['ff00::/8', 'multicast'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'unique-local'],
  ['64:ff9b::/96', 'nat64'], // well-known NAT64 prefix (RFC 6052)
  ['64:ff9b:1::/48', 'nat64'], // local-use NAT64 (RFC 8215)
  ['2001::/32', 'teredo'], // inside 2001::/23, so before it
  ['2001::/23', 'reserved'], // IETF protocol assignments: PCP/TURN/DNS-SD anycast 2001:1::1–3,
  // benchmarking 2001:2::/48, AMT 2001:3::/32, AS112 2001:4:112::/48, ORCHID 2001:10::/28,
  // ORCHIDv2 2001:20::/28, drone DETs 2001:30::/28
  ['2001:db8::/32', 'reserved'], // documentation
  ['2002::/16', '6to4'],
  ['2620:4f:8000::/48', 'reserved'], // direct delegation AS112 (anycast)
  ['3fff::/20', 'reserved'], // documentation (RFC 9637)
  // Below: outside 2000::/3, listed for the record (the default for them is `reserved` anyway).
  ['::ffff:0:0/96', 'reserved'], // IPv4-mapped (unwrapped before classification)
  ['::/96', 'reserved'], // IPv4-compatible (deprecated, RFC 4291)
  ['100::/64', 'reserved'], // discard-only (RFC 6666)
  ['100:0:0:1::/64', 'reserved'], // dummy prefix (RFC 9780)
  ['5f00::/16', 'reserved'], // SRv6 SIDs (RFC 9602)
  ['fec0::/10', 'reserved'], // deprecated site-local (RFC 3879)
]);

const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** ipaddr.js range names → our classes. Used as a second opinion, so that a range a newer
 *  ipaddr.js knows and our tables do not can never come out as `global`. */
const IPADDR_RANGE_CLASS: Readonly<Record<string, AddressClass>> = {
  unspecified: 'unspecified',
  broadcast: 'reserved',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
  uniqueLocal: 'unique-local',
  rfc6052: 'nat64',
  '6to4': '6to4',
  teredo: 'teredo',
};

function classifyParsed(ip: Parsed): AddressClass {
  const isV4 = ip.kind() === 'ipv4';
  for (const b of isV4 ? IPV4_BLOCKS : IPV6_BLOCKS) {
    if (ip.match(b.net, b.bits)) return b.cls;
  }
  if (!isV4 && !ip.match(IPV6_GLOBAL_UNICAST)) return 'reserved';
  const name = ip.range();
  if (name !== 'unicast') return IPADDR_RANGE_CLASS[name] ?? 'reserved';
  return 'global';
}

/** Class of a literal address (normalised first; throws AddressError like normalizeAddress). */
export function classifyAddress(address: string): AddressClass {
  return classifyParsed(parseLiteral(address));
}

// ---------------------------------------------------------------------------------------------
// CIDR ranges

interface ParsedCidr {
  net: Parsed;
  bits: number;
  text: string;
}

function parseCidrEntry(entry: string): ParsedCidr {
  const shown = JSON.stringify(entry);
  const slash = entry.indexOf('/');
  const addrText = slash === -1 ? entry : entry.slice(0, slash);
  let ip: Parsed;
  try {
    ip = parseLiteral(addrText);
  } catch {
    throw new AddressError(
      `${shown} is not an IP address or CIDR range (expected e.g. 192.0.2.0/24 or 2001:db8::/32)`,
    );
  }
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const prefixText = entry.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) {
      throw new AddressError(`${shown} has an invalid prefix length`);
    }
    bits = Number(prefixText);
    if (ip.kind() === 'ipv4' && addrText.includes(':')) {
      // An IPv4-mapped range such as ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8.
      if (bits < 96 || bits > 128) {
        throw new AddressError(`${shown}: an IPv4-mapped range needs a prefix from /96 to /128`);
      }
      bits -= 96;
    } else if (bits > max) {
      throw new AddressError(`${shown}: the prefix length must be at most /${max}`);
    }
  }
  const net =
    ip.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${ip.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${ip.toString()}/${bits}`);
  return { net, bits, text: `${net.toString()}/${bits}` };
}

/** Parses one CIDR range (or a bare address, read as /32 or /128) and returns its canonical
 *  form with host bits cleared, e.g. `10.1.2.3/8` → `10.0.0.0/8`, `::1` → `::1/128`. */
export function parseCidr(text: string): string {
  return parseCidrEntry(text).text;
}

/** Parses a comma- and/or whitespace-separated list of CIDR ranges (bare addresses allowed).
 *  Returns the canonical ranges, duplicates removed, in order. Throws AddressError naming the
 *  first bad entry; `true`, `false` and bare numbers are refused explicitly. */
export function parseCidrList(text: string): string[] {
  const out: string[] = [];
  for (const entry of text.split(/[\s,]+/)) {
    if (entry === '') continue;
    if (/^(true|false|yes|no|on|off)$/i.test(entry)) {
      throw new AddressError(`${JSON.stringify(entry)} is not a CIDR range`);
    }
    if (/^\d+$/.test(entry)) {
      throw new AddressError(
        `${JSON.stringify(entry)} is a number, not a CIDR range (write e.g. 10.0.0.0/8)`,
      );
    }
    const cidr = parseCidrEntry(entry).text;
    if (!out.includes(cidr)) out.push(cidr);
  }
  return out;
}

/** Compiles CIDR ranges into a predicate over literal addresses. IPv4-mapped IPv6 addresses are
 *  unwrapped first, so `::ffff:10.0.0.1` is inside `10.0.0.0/8`; IPv4 addresses only match IPv4
 *  ranges and IPv6 only IPv6. Invalid addresses never match. Throws on invalid ranges. */
export function compileCidrMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const ranges = cidrs.map(parseCidrEntry);
  return (address) => {
    let ip: Parsed;
    try {
      ip = parseLiteral(address);
    } catch {
      return false;
    }
    return ranges.some((r) => r.net.kind() === ip.kind() && ip.match(r.net, r.bits));
  };
}

export function cidrContains(cidrs: readonly string[], address: string): boolean {
  return compileCidrMatcher(cidrs)(address);
}

/** Parses and classifies in one step (throws AddressError like normalizeAddress). */
export function analyzeAddress(raw: string): NormalizedAddress & { class: AddressClass } {
  const ip = parseLiteral(raw);
  return { ...render(ip), class: classifyParsed(ip) };
}

/** The canonical spelling of an IP address literal (normalizeAddress's); throws AddressError on
 *  anything else (hostnames, CIDRs, zone ids, legacy IPv4 forms such as `127.1`). */
export function canonicalAddress(address: string): string {
  return normalizeAddress(address).address;
}

/** IPv4 → its /24 as `a.b.c.x`; IPv6 → its /48 as `p1:p2:p3::/48` (RFC 5952 for the prefix,
 *  so `2001:db8::/48` when the third group is 0). */
export function maskedAddress(address: string): string {
  const ip = parseLiteral(address);
  if (ip.kind() === 'ipv4') {
    const [a, b, c] = (ip as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.x`;
  }
  const parts = (ip as ipaddr.IPv6).parts.map((part, i) => (i < 3 ? part : 0));
  return `${new ipaddr.IPv6(parts).toRFC5952String()}/48`;
}
