// Service identification: the second stage of a diagnosis, on OPEN TCP ports only, after the
// port scan (PRODUCT.md feature 8, 詳細診断). One short read-only exchange per port (two for SMB
// and RDP, each on its own connection), each capped at 4 KiB and 2 s and reset afterwards
// (exchange.ts). Never a login, a credential or anything beyond what identification needs.
import type { Finding } from '../findings.js';
import type { ProbeTarget } from '../tcp-probe.js';
import { type BannerService, identifyBanner } from './banner.js';
import type { ExchangeOptions } from './exchange.js';
import { identifyHttp } from './http.js';
import { identifyRdp } from './rdp.js';
import { identifyRedis } from './redis.js';
import { identifySmb } from './smb.js';

export { IDENTIFY_BYTE_CAP, IDENTIFY_TIME_CAP_MS } from './exchange.js';

type Identifier = (target: ProbeTarget, port: number, o: ExchangeOptions) => Promise<Finding[]>;

const banner =
  (service: BannerService): Identifier =>
  (t, p, o) =>
    identifyBanner(t, p, service, o);
const http: Identifier = (t, p, o) => identifyHttp(t, p, o);
const https: Identifier = (t, p, o) => identifyHttp(t, p, { ...o, tls: true });

const IDENTIFIERS: ReadonlyMap<number, Identifier> = new Map<number, Identifier>([
  [21, banner('ftp')],
  [22, banner('ssh')],
  [23, banner('telnet')],
  [2323, banner('telnet')],
  [25, banner('smtp')],
  [587, banner('smtp')],
  [110, banner('pop3')],
  [143, banner('imap')],
  [5900, banner('vnc')],
  [80, http],
  [8000, http],
  [8080, http],
  [8008, http],
  [8888, http],
  [443, https],
  [8443, https],
  [139, identifySmb],
  [445, identifySmb],
  [3389, identifyRdp],
  [6379, identifyRedis],
]);

/** The TCP ports identification knows how to talk to. */
export function identifiablePorts(): number[] {
  return [...IDENTIFIERS.keys()].sort((a, b) => a - b);
}

export function canIdentify(port: number): boolean {
  return IDENTIFIERS.has(port);
}

/** Findings for one open TCP port ([] when the port has no identifier or nothing was found). A
 *  failing exchange is no finding, never an error of the diagnosis. */
export async function identifyPort(
  target: ProbeTarget,
  port: number,
  options: ExchangeOptions = {},
): Promise<Finding[]> {
  const identify = IDENTIFIERS.get(port);
  if (!identify || options.signal?.aborted) return [];
  try {
    return await identify(target, port, options);
  } catch {
    return [];
  }
}

/** Identifies the given open ports, `concurrency` at a time; findings arrive through `onFinding`
 *  as each port is done (for live progress) and are also returned. */
export async function identifyOpenPorts(
  target: ProbeTarget,
  openPorts: readonly number[],
  options: ExchangeOptions & { concurrency?: number; onFinding?: (f: Finding) => void } = {},
): Promise<Finding[]> {
  const queue = openPorts.filter(canIdentify);
  const all: Finding[] = [];
  const worker = async () => {
    for (let port = queue.shift(); port !== undefined; port = queue.shift()) {
      const found = await identifyPort(target, port, options);
      for (const f of found) {
        all.push(f);
        options.onFinding?.(f);
      }
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 4, queue.length));
  await Promise.all(Array.from({ length: n }, worker));
  return all;
}
