// HTTP (and HTTPS): one `HEAD /` for the Server header. Over TLS the certificate's subject and
// expiry are read too; it is never verified (a self-signed or expired certificate is what we
// report, not an error). Nothing but the headers is read (HEAD has no body).
import { type Finding, finding, sanitizeText } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type ExchangeOptions, tcpExchange } from './exchange.js';

export function headRequest(target: ProbeTarget, port: number): Buffer {
  const host = target.family === 6 ? `[${target.address}]` : target.address;
  return Buffer.from(
    `HEAD / HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: selfscan\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    'latin1',
  );
}

const headersEnd = (b: Buffer) => b.includes('\r\n\r\n');

export async function identifyHttp(
  target: ProbeTarget,
  port: number,
  options: ExchangeOptions & { tls?: boolean },
): Promise<Finding[]> {
  const r = await tcpExchange(
    target,
    port,
    async (c) => {
      c.send(headRequest(target, port));
      const head = (await c.read(headersEnd)).toString('latin1');
      return { head, cert: c.certificate };
    },
    options,
  );
  if (!r.value) return [];
  const { head, cert } = r.value;
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head)?.[1];
  if (!status && !cert) return [];
  const server = /^server:[ \t]*(.*)$/im.exec(head)?.[1];
  const detail: Record<string, string | number | boolean> = {
    service: options.tls ? 'https' : 'http',
  };
  if (status) detail.status = Number(status);
  if (server) detail.server = sanitizeText(server, 80);
  if (cert && Object.keys(cert).length > 0) {
    const cn = cert.subject?.CN;
    if (cn) detail.certSubject = sanitizeText(String(cn), 80);
    const expires = Date.parse(cert.valid_to);
    if (Number.isFinite(expires)) {
      detail.certExpires = new Date(expires).toISOString();
      detail.certExpired = expires < Date.now();
    }
    detail.certSelfSigned = cert.issuer?.CN === cert.subject?.CN;
  }
  return [finding(port, 'tcp', 'banner', detail)];
}
