// Which ports this PC listens on, read from what the operating system already prints: Linux
// /proc/net/{tcp,tcp6,udp,udp6}, macOS `netstat -anv -p tcp` (or `lsof -iTCP -sTCP:LISTEN` when
// netstat gives nothing), Windows `netstat -ano`. The parsers are pure functions of that text and
// defensive: a line they do not understand is skipped, never guessed at (formats differ between
// OS versions and, on Windows, by display language).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  /** The bound address as printed ('0.0.0.0' / '::' = every interface). */
  address: string;
  port: number;
  pid?: number;
}

const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

// ---------------------------------------------------------------------------------------------
// Linux: /proc/net/tcp and friends (kernel format, unchanged since 2.6)

/** IPv4 in /proc is one 32-bit word in host (little-endian on x86/ARM) order: 0100007F = 127.0.0.1. */
function procV4(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** IPv6 in /proc is four such words: each 8-hex group is byte-reversed. */
function procV6(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return undefined;
  const bytes: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(word.slice(b * 2, b * 2 + 2));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(Number.parseInt(bytes[i]! + bytes[i + 1]!, 16).toString(16));
  return compressV6(groups);
}

function compressV6(groups: string[]): string {
  // The longest run of two or more zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07'; // TCP_CLOSE: a bound UDP socket with no peer, i.e. a "server"

/** One of /proc/net/tcp, tcp6, udp, udp6. */
export function parseProcNet(text: string, protocol: 'tcp' | 'udp', family: 4 | 6) {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st … uid timeout inode
    if (f.length < 4 || !/^\d+:$/.test(f[0]!)) continue;
    const [local, remote, state] = [f[1]!, f[2]!, f[3]!.toUpperCase()];
    if (state !== (protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const [addrHex, portHex] = local.split(':');
    if (!addrHex || !portHex || !/^[0-9A-Fa-f]{4}$/.test(portHex)) continue;
    if (protocol === 'udp' && !/:0000$/.test(remote)) continue;
    const address = family === 4 ? procV4(addrHex) : procV6(addrHex);
    const port = Number.parseInt(portHex, 16);
    if (address === undefined || !isPort(port)) continue;
    out.push({ protocol, family, address, port });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// macOS (and the BSDs): netstat prints addresses as host.port, '*' for any

/** "127.0.0.1.631", "*.5000", "::1.631", "fe80::1%lo0.631" → [address, port]. */
function splitDotPort(text: string): [string, number] | undefined {
  const i = text.lastIndexOf('.');
  if (i <= 0) return undefined;
  const port = Number(text.slice(i + 1));
  if (!isPort(port)) return undefined;
  return [text.slice(0, i), port];
}

/** `netstat -anv -p tcp` (or -p udp) on macOS: Proto tcp4/tcp6/tcp46, local, foreign, state … */
export function parseNetstatDarwin(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const proto = /^(tcp|udp)(4|6|46)$/.exec(f[0] ?? '');
    if (!proto || f.length < 5) continue;
    const protocol = proto[1] as 'tcp' | 'udp';
    const local = splitDotPort(f[3]!);
    if (!local) continue;
    // TCP: the state column says LISTEN. UDP has no state; a server socket has foreign *.*.
    if (protocol === 'tcp' ? f[5] !== 'LISTEN' : f[4] !== '*.*') continue;
    const [host, port] = local;
    const families: (4 | 6)[] = proto[2] === '46' ? [4, 6] : [Number(proto[2]) as 4 | 6];
    for (const family of families) {
      const any = family === 4 ? '0.0.0.0' : '::';
      out.push({ protocol, family, address: host === '*' ? any : host, port });
    }
  }
  return out;
}

/** `lsof -nP -iTCP -sTCP:LISTEN`: … TYPE(IPv4/IPv6) … NODE(TCP) NAME("*:22 (LISTEN)"). */
export function parseLsof(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const m = /\s(IPv[46])\s.*\s(TCP|UDP)\s+(\S+?):(\d+)(?:\s+\((\w+)\))?\s*$/.exec(line);
    if (!m) continue;
    const [, type, proto, host, portText, state] = m;
    if (proto === 'TCP' && state !== 'LISTEN') continue;
    if (proto === 'UDP' && host!.includes('->')) continue;
    const port = Number(portText);
    if (!isPort(port)) continue;
    const family = type === 'IPv6' ? 6 : 4;
    const address =
      host === '*' ? (family === 4 ? '0.0.0.0' : '::') : host!.replace(/^\[(.*)\]$/, '$1');
    const pid = Number(line.trim().split(/\s+/)[1]);
    out.push({
      protocol: proto === 'TCP' ? 'tcp' : 'udp',
      family,
      address,
      port,
      ...(Number.isInteger(pid) ? { pid } : {}),
    });
  }
  return dedupe(out); // lsof prints one line per process holding the socket (fd inherited)
}

// ---------------------------------------------------------------------------------------------
// Windows: netstat -ano (headers and the TCP state word are translated in some display
// languages, e.g. German ABHÖREN; the foreign address of a listening socket is always ":0").

/** "0.0.0.0:445", "[::]:445", "[fe80::1%7]:139" → [address, port]. */
function splitColonPort(text: string): [string, number] | undefined {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  return isPort(port) ? [m[1]!, port] : undefined;
}

export function parseNetstatWindows(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    const proto = f[0]?.toUpperCase();
    if (proto !== 'TCP' && proto !== 'UDP') continue;
    const local = splitColonPort(f[1] ?? '');
    const foreign = f[2] ?? '';
    if (!local) continue;
    if (proto === 'TCP' ? !/^(0\.0\.0\.0|\[::\]):0$/.test(foreign) : foreign !== '*:*') continue;
    const pid = Number(f.at(-1));
    out.push({
      protocol: proto === 'TCP' ? 'tcp' : 'udp',
      family: local[0].includes(':') ? 6 : 4,
      address: local[0],
      port: local[1],
      ...(Number.isInteger(pid) && f.length >= 4 ? { pid } : {}),
    });
  }
  return out;
}

function dedupe(list: ListeningSocket[]): ListeningSocket[] {
  const seen = new Map<string, ListeningSocket>();
  for (const s of list) {
    const key = `${s.protocol}/${s.family}/${s.address}/${s.port}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

/** Bound to a loopback address only: the outside cannot reach it whatever the firewall says. */
export function isLoopbackOnly(s: ListeningSocket): boolean {
  return s.address.startsWith('127.') || s.address === '::1' || s.address === 'localhost';
}

// ---------------------------------------------------------------------------------------------
// Reading the live system

/** Runs a tool and returns its stdout. latin1 for Windows: netstat writes in the console's code
 *  page (CP932, CP850 …); only its ASCII columns are read, and latin1 never rejects a byte. */
function runTool(
  file: string,
  args: string[],
  encoding: BufferEncoding = 'utf8',
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: 16 * 1024 * 1024, encoding }, (err, out) =>
      resolve(err ? undefined : out),
    );
  });
}

export interface ListeningReport {
  /** Where the list came from, e.g. '/proc/net' or 'netstat -anv'. */
  source: string;
  sockets: ListeningSocket[];
}

/** The sockets listening on this PC, or undefined with the reason when the OS would not say. */
export async function listeningSockets(
  platform: NodeJS.Platform = process.platform,
): Promise<ListeningReport | { source: undefined; why: string }> {
  if (platform === 'linux') {
    const files = [
      ['tcp', 'tcp', 4],
      ['tcp6', 'tcp', 6],
      ['udp', 'udp', 4],
      ['udp6', 'udp', 6],
    ] as const;
    const sockets: ListeningSocket[] = [];
    let read = 0;
    for (const [file, protocol, family] of files) {
      const text = await readFile(`/proc/net/${file}`, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // e.g. no IPv6 in this kernel
      read++;
      sockets.push(...parseProcNet(text, protocol, family));
    }
    if (read === 0) return { source: undefined, why: '/proc/net is not readable' };
    return { source: '/proc/net', sockets: dedupe(sockets) };
  }
  if (platform === 'darwin') {
    const tcp = await runTool('netstat', ['-anv', '-p', 'tcp']);
    const udp = await runTool('netstat', ['-anv', '-p', 'udp']);
    const sockets = dedupe([...parseNetstatDarwin(tcp ?? ''), ...parseNetstatDarwin(udp ?? '')]);
    if (tcp !== undefined && sockets.length > 0) return { source: 'netstat -anv', sockets };
    const lsof = await runTool('lsof', ['-nP', '-iTCP', '-sTCP:LISTEN']);
    if (lsof !== undefined) return { source: 'lsof -iTCP -sTCP:LISTEN', sockets: parseLsof(lsof) };
    return { source: undefined, why: 'neither netstat nor lsof answered' };
  }
  if (platform === 'win32') {
    const text = await runTool('netstat', ['-ano'], 'latin1');
    if (text === undefined) return { source: undefined, why: 'netstat -ano did not answer' };
    return { source: 'netstat -ano', sockets: dedupe(parseNetstatWindows(text)) };
  }
  return { source: undefined, why: `no parser for ${platform}` };
}
