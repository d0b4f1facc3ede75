// What the second look at a port found (PRODUCT.md features 7 and 8): an answered UDP request or
// one short identification exchange on an open TCP port becomes zero or more findings with a
// stable id. A finding's detail holds only what identifies the service (product, version,
// dialect, sizes) — never anything else the peer sent — and every text in it is sanitised here.
import type { Protocol } from './port-state.js';

export type Severity = 'high' | 'medium' | 'low' | 'info';

/** Stable ids (docs/api.md lists them); the severity of each is fixed. */
export const FINDING_SEVERITY = {
  'smb1-enabled': 'high',
  'smb-signing-not-required': 'medium',
  'rdp-nla-not-required': 'high',
  'rdp-legacy-security': 'high',
  'redis-no-auth': 'high',
  'snmp-public': 'high',
  'ssdp-responds': 'medium',
  'ntp-mode6': 'medium',
  'dns-open-resolver': 'high',
  'memcached-udp': 'high',
  'netbios-names': 'medium',
  'mdns-responds': 'low',
  'telnet-open': 'high',
  banner: 'info',
} as const satisfies Record<string, Severity>;

export type FindingId = keyof typeof FINDING_SEVERITY;
export const FINDING_IDS = Object.keys(FINDING_SEVERITY) as FindingId[];

export type FindingDetail = Readonly<Record<string, string | number | boolean>>;

export interface Finding {
  port: number;
  protocol: Protocol;
  id: FindingId;
  severity: Severity;
  detail: FindingDetail;
}

export function finding(
  port: number,
  protocol: Protocol,
  id: FindingId,
  detail: FindingDetail = {},
): Finding {
  return { port, protocol, id, severity: FINDING_SEVERITY[id], detail };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3 };

/** The highest severity among findings, or undefined for none. */
export function highestSeverity(
  findings: readonly Pick<Finding, 'severity'>[],
): Severity | undefined {
  let best: Severity | undefined;
  for (const f of findings) {
    if (!best || SEVERITY_RANK[f.severity] > SEVERITY_RANK[best]) best = f.severity;
  }
  return best;
}

/** At most `max` characters of printable ASCII from what a peer sent: control characters,
 *  bytes ≥ 0x7f and surrounding blanks go, so a banner can never carry escape sequences or
 *  markup-relevant line structure into a page, a terminal or a log. */
export function sanitizeText(input: string | Uint8Array, max = 120): string {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c < 0x7f ? ch : ' ';
    if (out.length >= max * 2) break;
  }
  return out.replace(/\s+/g, ' ').trim().slice(0, max);
}
