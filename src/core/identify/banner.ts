// Server-first protocols: connect and read what the service says by itself (nothing is sent).
// SSH, FTP, SMTP, POP3, IMAP and VNC (RFB) greet with one line; Telnet opens with IAC (0xFF)
// option negotiation or a login prompt → `telnet-open`. The first line, sanitised and capped,
// is the `banner` finding's product.
import { type Finding, finding, sanitizeText } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type ExchangeOptions, line, tcpExchange } from './exchange.js';

export type BannerService = 'ssh' | 'telnet' | 'ftp' | 'smtp' | 'pop3' | 'imap' | 'vnc';

export async function identifyBanner(
  target: ProbeTarget,
  port: number,
  service: BannerService,
  options: ExchangeOptions,
): Promise<Finding[]> {
  const r = await tcpExchange(
    target,
    port,
    (c) => c.read(service === 'telnet' ? (b) => b.length > 0 : line),
    options,
  );
  const got = r.value;
  if (!got || got.length === 0) return [];
  if (service === 'telnet') {
    const negotiation = got[0] === 0xff;
    return [finding(port, 'tcp', 'telnet-open', { negotiation })];
  }
  const first = got.subarray(0, Math.max(0, got.indexOf(0x0a)) || got.length);
  const product = sanitizeText(first, 120);
  if (!product) return [];
  // A banner of the wrong protocol is still a banner, but say what we expected.
  return [finding(port, 'tcp', 'banner', { service, product })];
}
