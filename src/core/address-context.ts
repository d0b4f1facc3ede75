// What a result can honestly say about the address it tested (issue 15 item 4, PRODUCT.md
// feature 6): the network that owns it (offline ASN table), a hint for known mobile carriers, when
// an IPv4 address is likely SHARED (then closed/filtered describes the carrier's gateway, not the
// PC), that IPv6 interface identifiers may be temporary, and when the request came through a
// proxy this server does not trust. Computed once when a diagnosis starts and stored with it.
import ipaddr from 'ipaddr.js';
import type { AddressClass, AddressFamily } from './address.js';
import type { AsnTable } from './asn-table.js';
import { carrierOf } from './carriers.js';

export type SharedReason =
  /** 100.64.0.0/10 (RFC 6598): carrier-grade NAT, certain. */
  | 'cgnat'
  /** The carrier gives its subscribers IPv4 only through CGN / NAT64 (carriers.ts). */
  | 'carrier-nat'
  /** The IPv4 address belongs to another network than the IPv6 one of the same diagnosis: IPv4
   *  is provided over IPv6 (MAP-E / DS-Lite, e.g. v6プラス, transix) or by a translator. */
  | 'other-network';

export interface TargetContext {
  /** The network that owns the address; null when the table has no range for it. */
  network: { asn: number; name: string } | null;
  /** `none`: no network data is loaded on this server (docs/address-context.md). */
  networkData: 'loaded' | 'none';
  carrier?: { name: string; kind: 'mobile' | 'mixed' };
  /** IPv4 only: why this address is likely shared by many subscribers. */
  shared?: { reason: SharedReason; certain: boolean };
  /** IPv6 only: `eui64` = an interface id made from the MAC (stable); `random` = a temporary
   *  (privacy) or stable-random id; temporary ones rotate, so a later test may see another. */
  ipv6Interface?: 'eui64' | 'random';
  /** The request carried proxy headers (Via, X-Forwarded-For, …) from a peer that is not a
   *  trusted proxy: the result describes that proxy. */
  untrustedProxy?: true;
}

export interface ContextTarget {
  address: string;
  family: AddressFamily;
  class: AddressClass;
}

/** An IPv6 interface id of the form xxxx:xxff:fexx:xxxx (modified EUI-64, RFC 4291 App. A). */
export function isEui64(address: string): boolean {
  const parts = ipaddr.IPv6.parse(address).parts;
  return (parts[5]! & 0xff) === 0xff && parts[6]! >> 8 === 0xfe;
}

/** The contexts of a diagnosis's targets, in order. The "likely shared" rule for an IPv4 target:
 *  CGNAT range (certain), else a carrier known to NAT its subscribers' IPv4, else an IPv6 target
 *  of the same diagnosis owned by another network. */
export function describeTargets(
  targets: readonly ContextTarget[],
  options: { asn?: AsnTable | null; untrustedProxy?: boolean },
): TargetContext[] {
  const table = options.asn ?? null;
  const networks = targets.map((t) => (table ? table.lookup(t.address) : null));
  return targets.map((t, i) => {
    const network = networks[i] ?? null;
    const carrier = carrierOf(network?.asn);
    const ctx: TargetContext = { network, networkData: table ? 'loaded' : 'none' };
    if (carrier) ctx.carrier = { name: carrier.name, kind: carrier.kind };
    if (t.family === 4) {
      if (t.class === 'cgnat') ctx.shared = { reason: 'cgnat', certain: true };
      else if (carrier?.sharedIPv4) ctx.shared = { reason: 'carrier-nat', certain: false };
      else if (
        network !== null &&
        targets.some(
          (o, j) =>
            o.family === 6 &&
            o.class === 'global' &&
            networks[j] != null &&
            networks[j]!.asn !== network.asn,
        )
      )
        ctx.shared = { reason: 'other-network', certain: false };
    } else if (t.class !== 'loopback' && t.class !== 'unspecified') {
      ctx.ipv6Interface = isEui64(t.address) ? 'eui64' : 'random';
    }
    if (options.untrustedProxy) ctx.untrustedProxy = true;
    return ctx;
  });
}
