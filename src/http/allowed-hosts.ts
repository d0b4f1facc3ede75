// The Host check against DNS rebinding: a page on evil.example whose name is rebound to this
// machine sends "same-origin" requests with Host: evil.example, and could otherwise start scans
// and read their results. Only the names this service is known by are accepted:
// SELFSCAN_ALLOWED_HOSTS (or, unset, the listen address — every address of this machine's
// interfaces when it listens on a wildcard), the hosts of SELFSCAN_PUBLIC_ORIGIN, SELFSCAN_V4_ORIGIN and SELFSCAN_V6_ORIGIN, and always
// localhost and the loopback literals. Ports do not matter. An address literal of the interface
// the connection arrived on is always this machine, so it is accepted too (a rebinding attack
// needs a name).
import { networkInterfaces } from 'node:os';
import { type Config, normalizeHostName } from '../config.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '::0']);

/** The name part of a Host header (`[::1]:8080` → `::1`, `Example.COM.:80` → `example.com`). */
export function hostNameOf(host: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return normalizeHostName(name);
}

const isLoopback = (name: string) =>
  name === 'localhost' ||
  name.endsWith('.localhost') ||
  name === '::1' ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);

function interfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) out.add(normalizeHostName(a.address.split('%')[0]!));
  return out;
}

export function createHostCheck(
  config: Config,
): (host: string | undefined, localAddress?: string) => boolean {
  const fixed = new Set<string>([
    ...config.allowedHosts,
    ...config.publicOrigins.map((o) => hostNameOf(new URL(o).host)),
    ...[config.familyOrigins.v4, config.familyOrigins.v6]
      .filter((o): o is string => o !== undefined)
      .map((o) => hostNameOf(new URL(o).host)),
  ]);
  const listenHost = normalizeHostName(config.host);
  const wildcard = config.allowedHosts.length === 0 && WILDCARDS.has(listenHost);
  if (config.allowedHosts.length === 0 && !wildcard) fixed.add(listenHost);
  let interfaces = wildcard ? interfaceAddresses() : new Set<string>();
  return (host, localAddress) => {
    if (host === undefined || host === '') return false;
    const name = hostNameOf(host);
    if (isLoopback(name) || fixed.has(name)) return true;
    if (localAddress !== undefined && name === normalizeHostName(localAddress)) return true;
    if (!wildcard) return false;
    if (interfaces.has(name)) return true;
    // Addresses come and go (DHCP, a VPN, a namespace set up after start): look again on a miss.
    interfaces = interfaceAddresses();
    return interfaces.has(name);
  };
}
