// Which request a UDP port gets, and the findings its answers show. Ports without a protocol of
// their own here get an empty datagram (as nmap's default UDP probe): it still draws an ICMP port
// unreachable from a closed port, and sends nothing a service could act on.
import type { Finding } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { dns, mdns } from './dns.js';
import { udpExchange } from './exchange.js';
import { memcached } from './memcached.js';
import { netbios } from './netbios.js';
import { ntp } from './ntp.js';
import type { UdpService } from './service.js';
import { snmp } from './snmp.js';
import { ssdp } from './ssdp.js';

export type { UdpService } from './service.js';

const SERVICES: ReadonlyMap<number, UdpService> = new Map([
  [53, dns],
  [123, ntp],
  [137, netbios],
  [161, snmp],
  [1900, ssdp],
  [5353, mdns],
  [11211, memcached],
]);

export function udpServiceFor(port: number): UdpService | undefined {
  return SERVICES.get(port);
}

/** The datagram a probe of `port` sends. */
export function udpRequestFor(port: number): Uint8Array {
  return SERVICES.get(port)?.request() ?? new Uint8Array(0);
}

/** What one port's first answer (kept by the UDP prober) shows. */
export interface UdpAnswer {
  port: number;
  requestBytes: number;
  /** The answer's whole size, even where `answer` holds only its first bytes. */
  answerBytes: number;
  answer: Uint8Array;
}

/** Findings from the answers of a UDP scan; NTP gets its follow-up READVAR here (2 s cap). */
export async function udpFindings(
  target: ProbeTarget,
  answers: Iterable<UdpAnswer>,
  options: { localAddress?: string; signal?: AbortSignal; timeCapMs?: number } = {},
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const a of answers) {
    const service = SERVICES.get(a.port);
    if (!service) continue;
    out.push(...service.findings(a.answer, a.port, a.requestBytes));
    if (service.followUp && !options.signal?.aborted) {
      const reply = await udpExchange(target, a.port, service.followUp.request(), options);
      if (reply) out.push(...service.followUp.findings(reply, a.port));
    }
  }
  return out;
}
