// The form in which a requester's address is stored and shown (PRODUCT.md "Addresses",
// reliability-security §3.2). SELFSCAN_IP_STORAGE:
//   clear    → the address itself (canonical form), no hash. Own machine / intranet.
//   truncate → the masked network only: IPv4 /24 as `203.0.113.x`, IPv6 /48 in CIDR notation
//              as `2001:db8:1::/48`. No hash.
//   hmac     → the same masked display, plus HMAC-SHA256 (hex) of the full canonical address
//              with the operator's key: equal for the same address and key, unlinkable without
//              the key (a plain hash of an IPv4 address is brute-forced from 2^32 inputs).
// Canonical form (core/address.ts, as for the target policy): IPv4 dotted quad; IPv6 per RFC
// 5952; an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is the IPv4 address it carries. So
// the same address always yields the same display and hash however it was spelled.
import { createHmac } from 'node:crypto';
import { canonicalAddress, maskedAddress } from '../core/address.js';

export { canonicalAddress, maskedAddress } from '../core/address.js';

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
