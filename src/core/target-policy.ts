// Target policy: which requester addresses this service may probe (PRODUCT.md "JSON API" /me
// classes, DESIGN.md "Target policy", reference/reliability-security.md §2.4). What an address
// is (its canonical form and class) is decided in address.ts; this decides whether to serve it.

import {
  type AddressClass,
  type AddressFamily,
  analyzeAddress,
  compileCidrMatcher,
} from './address.js';

export interface TargetPolicy {
  /** local: any requester is served; public: only `global` requesters plus allowRanges. */
  readonly mode: 'local' | 'public';
  /** CIDR ranges served in public mode whatever their class (normalised by parseCidrList). */
  readonly allowRanges: readonly string[];
}

export type TargetCheck =
  | { allowed: true; class: AddressClass; family: AddressFamily; address: string }
  | { allowed: false; class: AddressClass; family: AddressFamily; address: string; reason: string };

// ---------------------------------------------------------------------------------------------
// Policy

const CLASS_DESCRIPTION: Readonly<Record<AddressClass, string>> = {
  global: 'a public address',
  cgnat: 'a carrier-grade NAT address shared by many subscribers (RFC 6598)',
  private: 'a private address',
  loopback: 'a loopback address (the machine itself)',
  'link-local': 'a link-local address',
  'unique-local': 'a unique local IPv6 address (private to a network)',
  multicast: 'a multicast address',
  reserved: 'a reserved special-purpose address',
  '6to4': 'a 6to4 tunnel address',
  teredo: 'a Teredo tunnel address',
  nat64: 'a NAT64 translation address',
  unspecified: 'the unspecified address',
};

const matchers = new WeakMap<readonly string[], (address: string) => boolean>();

function allowMatcher(ranges: readonly string[]): (address: string) => boolean {
  let m = matchers.get(ranges);
  if (!m) {
    m = compileCidrMatcher(ranges);
    matchers.set(ranges, m);
  }
  return m;
}

/** Classes no connection can come from: an unspecified or multicast "requester" (only a
 *  forwarded header can say so) would make the scanner probe itself or a group. Never served. */
const NEVER_A_REQUESTER: ReadonlySet<AddressClass> = new Set(['unspecified', 'multicast']);

/** Decides whether `address` (the requester's own, socket-derived address) may be probed.
 *  local mode: any address a connection can come from. public mode: `global` addresses, and any
 *  address inside policy.allowRanges. Throws AddressError when `address` is not a literal IP
 *  (fail closed). */
export function checkTarget(address: string, policy: TargetPolicy): TargetCheck {
  const { address: normalized, family, class: cls } = analyzeAddress(address);
  if (NEVER_A_REQUESTER.has(cls)) {
    return {
      allowed: false,
      class: cls,
      family,
      address: normalized,
      reason: `${normalized} is ${CLASS_DESCRIPTION[cls]}: no connection comes from it, so it cannot be tested.`,
    };
  }
  if (policy.mode === 'local' || cls === 'global' || allowMatcher(policy.allowRanges)(normalized)) {
    return { allowed: true, class: cls, family, address: normalized };
  }
  return {
    allowed: false,
    class: cls,
    family,
    address: normalized,
    reason: `This service only tests addresses on the public internet; ${normalized} is ${CLASS_DESCRIPTION[cls]}.`,
  };
}
