// The form in which a requester's address is stored and shown (PRODUCT.md "Addresses",
// reliability-security §3.2). SELFSCAN_IP_STORAGE:
//   clear    → the address itself (canonical form), no hash. Own machine / intranet.
//   truncate → the masked network only: IPv4 /24 as `203.0.113.x`, IPv6 /48 in CIDR notation
//              as `2001:db8:1::/48`. No hash.
//   hmac     → the same masked display, plus HMAC-SHA256 (hex) of the full canonical address
//              with the operator's key: equal for the same address and key, unlinkable without
//              the key (a plain hash of an IPv4 address is brute-forced from 2^32 inputs).
// Canonical form: IPv4 dotted quad; IPv6 per RFC 5952 (lower case, longest zero run as `::`);
// an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is the IPv4 address it carries. So the
// same address always yields the same display and hash however it was spelled.
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressStorageMode = 'clear' | 'hmac' | 'truncate';

export interface StoredAddress {
  display: string;
  hash: string | null;
}

export function storedAddress(
  address: string,
  mode: AddressStorageMode,
  hmacKey?: string | Uint8Array,
): StoredAddress {
  const canonical = canonicalAddress(address);
  switch (mode) {
    case 'clear':
      return { display: canonical, hash: null };
    case 'truncate':
      return { display: maskedAddress(canonical), hash: null };
    case 'hmac': {
      if (hmacKey === undefined || hmacKey.length === 0) {
        throw new TypeError('address storage "hmac" needs a non-empty key');
      }
      const hash = createHmac('sha256', hmacKey).update(canonical, 'utf8').digest('hex');
      return { display: maskedAddress(canonical), hash };
    }
    default:
      throw new TypeError(`unknown address storage mode: ${String(mode satisfies never)}`);
  }
}

/** The canonical spelling of an IP address literal; throws on anything else (hostnames,
 *  CIDRs, legacy IPv4 forms such as `127.1` or `0x7f.0.0.1`). */
export function canonicalAddress(address: string): string {
  if (isIP(address) === 0) throw new TypeError('not an IP address literal');
  const ip = ipaddr.process(address);
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toRFC5952String();
}

/** IPv4 → its /24 as `a.b.c.x`; IPv6 → its /48 as `p1:p2:p3::/48` (RFC 5952 for the prefix,
 *  so `2001:db8::/48` when the third group is 0). The zone of a link-local address is dropped. */
export function maskedAddress(address: string): string {
  const ip = ipaddr.process(canonicalAddress(address));
  if (ip.kind() === 'ipv4') {
    const [a, b, c] = (ip as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.x`;
  }
  const parts = (ip as ipaddr.IPv6).parts.map((part, i) => (i < 3 ? part : 0));
  return `${new ipaddr.IPv6(parts).toRFC5952String()}/48`;
}
