// What the PC itself holds, no server needed: does one of its interfaces carry a global address
// directly (the built-in-SIM laptop case of the 自診くん article), so that the internet reaches it
// like a server? Which catalog ports does it listen on?
import { networkInterfaces } from 'node:os';
import { type AddressClass, classifyAddress } from '../core/address.js';
import { CATALOG, type Locale } from '../core/catalog.js';
import { isLoopbackOnly, type ListeningReport, type ListeningSocket } from './listening-ports.js';
import type { CliMessages } from './messages.js';
import { type Paint, pad, truncate, WIDTH, wrap } from './report.js';

export interface LocalAddress {
  interface: string;
  address: string;
  family: 4 | 6;
  class: AddressClass;
}

export function localAddresses(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      const address = info.address.split('%')[0]!;
      out.push({
        interface: name,
        address,
        family: info.family === 'IPv6' ? 6 : 4,
        class: classifyAddress(address),
      });
    }
  }
  return out;
}

export const globalAddresses = (addresses: readonly LocalAddress[]) =>
  addresses.filter((a) => a.class === 'global');

/** One sentence per address, saying what it means for reachability. */
export function explainAddress(a: LocalAddress, m: CliMessages): string {
  if (a.class === 'global') return m.local.global(a.address, a.interface);
  if (a.class === 'cgnat') return m.local.cgnat(a.address, a.interface);
  if (a.class === 'private' || a.class === 'unique-local')
    return m.local.private(a.address, a.interface);
  return m.local.other(a.address, a.interface, m.addressClass[a.class]);
}

/** Catalog entries (TCP and UDP) that something on this PC listens on. */
export function listeningCatalogPorts(sockets: readonly ListeningSocket[]) {
  return CATALOG.map((entry) => ({
    entry,
    sockets: sockets.filter((s) => s.protocol === entry.protocol && s.port === entry.port),
  })).filter((x) => x.sockets.length > 0);
}

export function renderLocal(
  addresses: readonly LocalAddress[],
  listening: ListeningReport | { source: undefined; why: string },
  locale: Locale,
  m: CliMessages,
  paint: Paint,
): string {
  const out = [paint.bold(m.local.title)];
  if (addresses.length === 0) out.push(`  ${m.local.none}`);
  // Wrapped first, painted per line: a colour never runs across a line break.
  const yellow = (lines: string[]) => lines.map((l) => paint.yellow(l));
  for (const a of addresses) {
    const lines = wrap(explainAddress(a, m), WIDTH, '  ');
    out.push(...(a.class === 'global' ? yellow(lines) : lines));
  }
  const holdsGlobal = globalAddresses(addresses).length > 0;
  const summary = wrap(holdsGlobal ? m.local.summaryGlobal : m.local.summaryNone, WIDTH);
  out.push('', ...(holdsGlobal ? yellow(summary) : summary));
  out.push('');
  if (listening.source === undefined) {
    out.push(m.local.listeningUnknown(listening.why));
    return `${out.join('\n')}\n`;
  }
  out.push(paint.bold(m.local.listeningTitle(listening.source)));
  const ports = listeningCatalogPorts(listening.sockets);
  if (ports.length === 0) out.push(`  ${m.local.listeningNone}`);
  for (const { entry, sockets } of ports) {
    const where = sockets.every(isLoopbackOnly)
      ? m.local.loopback
      : sockets.some((s) => s.address === '0.0.0.0' || s.address === '::')
        ? m.local.everywhere
        : m.local.onAddress(sockets.map((s) => s.address).join(', '));
    out.push(
      `  ${pad(`${entry.protocol.toUpperCase()}/${entry.port}`, 10)} ${pad(truncate(entry.text[locale].name, 30), 30)} ${where}`.trimEnd(),
    );
  }
  out.push('', ...wrap(m.local.runCheck, WIDTH));
  return `${out.join('\n')}\n`;
}
