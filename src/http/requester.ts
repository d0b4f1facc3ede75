// Who is asking: the peer address of the connection (after trusted-proxy resolution by Fastify's
// trustProxy, which is the configured CIDR list and nothing else). This address is the ONLY
// possible scan target; no header of an untrusted peer, no parameter, no cookie can change it.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { Config } from '../config.js';
import { type AddressClass, compileCidrMatcher } from '../core/address.js';
import { checkTarget } from '../core/target-policy.js';
import { storedAddress } from '../store/address-storage.js';
import { ApiError } from './errors.js';

export interface Requester {
  /** Full address: the scan target. Held in memory only. */
  address: string;
  family: 4 | 6;
  class: AddressClass;
  allowed: boolean;
  reason?: string;
  /** The address as stored and shown (SELFSCAN_IP_STORAGE). */
  display: string;
  hash: string | null;
  /** Keyed hash of the full address: one active scan per requester, consent binding. */
  key: string;
  /** Keyed hashes of the requester's networks (IPv4 /24; IPv6 /64 and /56) for rate limits. */
  networkKeys: string[];
  /** The request carried proxy headers from a peer that is not a trusted proxy. */
  untrustedProxyHeaders: boolean;
}

const PROXY_HEADERS = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'cf-connecting-ip',
  'true-client-ip',
  // A forward proxy that says so (RFC 9110 Via): the result then describes that proxy.
  'via',
];

export function createRequesterResolver(config: Config) {
  // Without an operator key the process picks one: keys then only match within this process,
  // which is enough on one machine. Scaled out, the web nodes share SELFSCAN_JOB_KEY: a key
  // derived from it makes requester keys (one active scan, rate limits) agree across nodes.
  const key =
    config.ipHmacKey ??
    (config.scaleOut
      ? createHmac('sha256', config.scaleOut.jobKey)
          .update('selfscan requester key v1')
          .digest('hex')
      : randomBytes(32).toString('hex'));
  const keyed = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const isTrustedProxy = compileCidrMatcher(config.trustedProxies);

  /** A checked address as a Requester (keys, stored form); proxy headers are the caller's. */
  const describe = (check: ReturnType<typeof checkTarget>): Requester => {
    const stored = storedAddress(check.address, config.ipStorage, config.ipHmacKey);
    return {
      address: check.address,
      family: check.family,
      class: check.class,
      allowed: check.allowed,
      ...(check.allowed ? {} : { reason: check.reason }),
      display: stored.display,
      hash: stored.hash,
      key: keyed(`addr:${check.address}`),
      networkKeys: networksOf(check.address, check.family).map((n) => keyed(`net:${n}`)),
      untrustedProxyHeaders: false,
    };
  };

  /** The same description for an address that reached us by a family ticket (issue 15): a
   *  further target of a diagnosis gets its own key (one active diagnosis per address). */
  const forAddress = (address: string): Requester => describe(checkTarget(address, config.policy));

  return Object.assign(requesterOf, { forAddress });

  function requesterOf(request: FastifyRequest): Requester {
    let check: ReturnType<typeof checkTarget>;
    // An IPv6 link-local peer arrives with its zone (fe80::1%eth0): the address means something
    // only on that link, so it is classified without the zone and not tested.
    const zone = request.ip.indexOf('%');
    try {
      check = checkTarget(zone < 0 ? request.ip : request.ip.slice(0, zone), config.policy);
    } catch {
      // Only a trusted proxy can put something other than an IP literal here (X-Forwarded-For).
      throw new ApiError(
        'invalid_request',
        'The proxy in front of this service did not forward a valid client IP address.',
      );
    }
    if (zone >= 0 || (check.family === 6 && check.class === 'link-local'))
      check = {
        ...check,
        allowed: false,
        reason:
          'Your connection comes from an IPv6 link-local address (fe80::/10), which is valid only on its own network link, so it cannot be tested. Open this service through another of your addresses (for example its IPv4 address or a global IPv6 address).',
      };
    const peer = request.socket.remoteAddress ?? '';
    const peerTrusted = peer !== '' && isTrustedProxy(peer);
    return {
      ...describe(check),
      untrustedProxyHeaders:
        !peerTrusted && PROXY_HEADERS.some((h) => request.headers[h] !== undefined),
    };
  }
}

function networksOf(address: string, family: 4 | 6): string[] {
  const ip = ipaddr.parse(address);
  const prefixes = family === 4 ? [24] : [64, 56];
  return prefixes.map((bits) => {
    const bytes = ip.toByteArray();
    for (let i = 0; i < bytes.length * 8; i++) {
      if (i >= bits) bytes[i >> 3]! &= ~(0x80 >> (i & 7));
    }
    return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
  });
}
