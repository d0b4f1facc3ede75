// Webhook delivery that cannot be pointed at the service's own network: every connection goes
// through an undici Agent whose connector checks the address it is about to connect to — after
// DNS resolution, at connect time, so a name that resolves (or re-resolves) to a private address
// is refused as well as a literal one. Global unicast passes; private, loopback, link-local,
// CGNAT and every other special range are refused unless SELFSCAN_WEBHOOK_ALLOW_RANGES lists them.
import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { classifyAddress, compileCidrMatcher } from '../core/address.js';

export class WebhookRefusedError extends Error {
  constructor(address: string, klass: string) {
    super(
      `webhook address ${address} is ${klass}: refused (list its range in SELFSCAN_WEBHOOK_ALLOW_RANGES to allow an intranet receiver)`,
    );
    this.name = 'WebhookRefusedError';
  }
}

/** Whether a webhook may connect to this literal address. */
export function webhookAddressAllowed(address: string, allowed: (a: string) => boolean): boolean {
  if (allowed(address)) return true;
  try {
    return classifyAddress(address) === 'global';
  } catch {
    return false;
  }
}

function checker(allowRanges: readonly string[]): (address: string) => void {
  const listed = compileCidrMatcher(allowRanges);
  return (address) => {
    if (webhookAddressAllowed(address, listed)) return;
    let klass = 'not an address';
    try {
      klass = classifyAddress(address);
    } catch {}
    throw new WebhookRefusedError(address, klass);
  };
}

/** An Agent whose every connection is checked. */
export function createWebhookAgent(allowRanges: readonly string[]): Agent {
  const check = checker(allowRanges);
  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      try {
        for (const a of list) check(a.address);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
  const base = buildConnector({ lookup, timeout: 10_000 });
  return new Agent({
    connect: (options, callback) => {
      // net.connect skips `lookup` for an address literal: check those here.
      const host = options.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0) {
        try {
          check(host);
        } catch (refused) {
          return callback(refused as Error, null);
        }
      }
      return base(options, callback);
    },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/organisations.md). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export async function postWebhook(
  agent: Agent,
  url: string,
  body: string,
  secret: string,
  now = Date.now(),
): Promise<void> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new Error('webhook URL must be http or https');
  const t = Math.floor(now / 1000);
  const res = await request(u, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'selfscan-webhook/1',
      'selfscan-signature': signWebhook(secret, t, body),
    },
    body,
    maxRedirections: 0,
  } as Parameters<typeof request>[1]);
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300)
    throw new Error(`webhook receiver answered HTTP ${res.statusCode}`);
}
