// What `selfscan check` prints: the verdict, a table that fits 80 columns (Japanese characters
// count as two), advice per reachable port from the catalog, and what this PC's own listening
// sockets say about each result. Pure functions of their inputs: the caller writes the text.

import type { AddressClass } from '../core/address.js';
import { catalogEntryFor, type Locale } from '../core/catalog.js';
import { detailLine, FINDING_TEXTS, SEVERITY_LABELS } from '../core/finding-texts.js';
import type { FindingId } from '../core/findings.js';
import type { PortResult, ScanResult } from './api-client.js';
import { isLoopbackOnly, type ListeningReport, type ListeningSocket } from './listening-ports.js';
import type { CliMessages } from './messages.js';

const SEVERITY_RANK = { high: 0, medium: 1, low: 2, info: 3 } as const;

export const WIDTH = 80;

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

// ---------------------------------------------------------------------------------------------
// Terminal width of text: East Asian wide and fullwidth characters take two cells.

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour sequences
const ANSI = /\u001b\[[0-9;]*m/g;

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text.replace(ANSI, '')) w += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return w;
}

/** Cut to `width` cells, ending in '…' when something was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = isWide(ch.codePointAt(0)!) ? 2 : 1;
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

export const pad = (text: string, width: number) =>
  text + ' '.repeat(Math.max(0, width - displayWidth(text)));

const NO_LINE_START = /^[、。，．・：；？！」』）】〉》ー…,.:;!?)\]]/;

/** Wraps at spaces, or anywhere between wide characters (Japanese has no spaces). */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  const room = width - displayWidth(indent);
  // Tokens: one wide character each, or a run of narrow ones with its trailing spaces.
  const tokens: string[] = [];
  for (const ch of text) {
    const last = tokens.at(-1);
    const wide = isWide(ch.codePointAt(0)!);
    if (!wide && last !== undefined && !isWide(last.codePointAt(0)!) && !/\s$/.test(last))
      tokens[tokens.length - 1] += ch;
    else if (!wide && /\s/.test(ch) && last !== undefined) tokens[tokens.length - 1] += ch;
    else tokens.push(ch);
  }
  for (const token of tokens) {
    const chunks = displayWidth(token) > room ? [...token] : [token];
    for (const c of chunks) {
      if (displayWidth(line + c.trimEnd()) > room && line.trim() !== '') {
        // No line starts with closing punctuation: the character before it moves down too.
        let carry = '';
        if (NO_LINE_START.test(c) && line.length > 1) {
          const chars = [...line];
          carry = chars.pop()!;
          line = chars.join('');
        }
        lines.push(indent + line.trimEnd());
        line = carry + c.trimStart();
      } else line += c;
    }
  }
  if (line.trim() !== '') lines.push(indent + line.trimEnd());
  return lines;
}

// ---------------------------------------------------------------------------------------------
// This PC's listening sockets against the results

export type Here = 'listening' | 'loopbackOnly' | 'notListening' | 'unknown';

/** Whether this PC listens on a TCP port, as far as a connection from outside could tell. */
export function hereFor(
  port: number,
  sockets: readonly ListeningSocket[] | undefined,
  testedClass: string,
  protocol: 'tcp' | 'udp' = 'tcp',
): Here {
  if (!sockets) return 'unknown';
  const mine = sockets.filter((s) => s.protocol === protocol && s.port === port);
  if (mine.length === 0) return 'notListening';
  // A loopback-only listener is reachable only when the server tested loopback itself.
  if (testedClass !== 'loopback' && mine.every(isLoopbackOnly)) return 'loopbackOnly';
  return 'listening';
}

export interface Correlation {
  /** Listening here and reachable: this PC is exposed. */
  exposed: number[];
  /** Listening here, not reachable: the firewall or router holds. */
  firewall: number[];
  /** Reachable, not listening here: another device answers. */
  elsewhere: number[];
}

export function correlate(
  scan: ScanResult,
  sockets: readonly ListeningSocket[] | undefined,
): Correlation | undefined {
  if (!sockets) return undefined;
  const c: Correlation = { exposed: [], firewall: [], elsewhere: [] };
  for (const r of scan.results) {
    // TCP only: "listening here" says little about a UDP port (silence proves little).
    if (r.state === 'error' || r.protocol === 'udp') continue;
    const listening = hereFor(r.port, sockets, scan.class) === 'listening';
    if (r.state === 'open') (listening ? c.exposed : c.elsewhere).push(r.port);
    else if (listening) c.firewall.push(r.port);
  }
  for (const list of Object.values(c)) list.sort((a: number, b: number) => a - b);
  return c;
}

// ---------------------------------------------------------------------------------------------
// The report

const ORDER = { open: 0, error: 1, closed: 2, filtered: 3 } as const;
/** Above this many rows, only reachable and untested ports are listed one by one. */
const MAX_ROWS = 40;

export function serviceName(
  port: number,
  locale: Locale,
  m: CliMessages,
  protocol: 'tcp' | 'udp' = 'tcp',
): string {
  const entry = catalogEntryFor(protocol, port);
  return entry ? entry.text[locale].name : m.unknownService(port);
}

export function headline(scan: ScanResult, m: CliMessages, paint: Paint): string[] {
  const [text, style] =
    scan.status === 'failed'
      ? [m.verdict.failed(scan.error?.message ?? scan.error?.code ?? '?'), paint.yellow]
      : scan.verdict === 'safe'
        ? [m.verdict.safe, (t: string) => paint.green(paint.bold(t))]
        : scan.verdict === 'exposed'
          ? [m.verdict.exposed, (t: string) => paint.red(paint.bold(t))]
          : [m.verdict.incomplete, (t: string) => paint.yellow(paint.bold(t))];
  return wrap(text, WIDTH).map(style);
}

function stateCell(r: PortResult, m: CliMessages, paint: Paint): string {
  const word = m.state[r.state];
  if (r.state === 'open') return paint.red(word);
  if (r.state === 'error') return paint.yellow(word);
  return paint.green(word);
}

export function renderTable(
  scan: ScanResult,
  sockets: readonly ListeningSocket[] | undefined,
  locale: Locale,
  m: CliMessages,
  paint: Paint,
): string[] {
  const rows = [...scan.results].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.port - b.port);
  const shown =
    rows.length > MAX_ROWS ? rows.filter((r) => r.state === 'open' || r.state === 'error') : rows;
  // State and "this PC" as wide as their longest word in this language; the service takes the rest.
  const widest = (words: string[]) => Math.max(...words.map(displayWidth));
  const detailWidth = 15; // "timeout 1500 ms"
  const w = {
    port: 9,
    state: widest([...Object.values(m.state), m.columns.state]),
    here: widest([...Object.values(m.here), m.columns.here]),
    service: 0,
  };
  w.service = WIDTH - (2 + w.port + 1 + 1 + w.state + 1 + w.here + 1 + detailWidth);
  const line = (cells: [string, string, string, string, string]) =>
    `  ${pad(cells[0], w.port)} ${pad(cells[1], w.service)} ${pad(cells[2], w.state)} ${pad(cells[3], w.here)} ${cells[4]}`.trimEnd();
  const c = m.columns;
  const out = [paint.dim(line([c.port, c.service, c.state, c.here, c.detail]))];
  for (const r of shown) {
    const here = m.here[hereFor(r.port, sockets, scan.class, r.protocol)];
    out.push(
      line([
        `${r.protocol.toUpperCase()}/${r.port}`,
        truncate(serviceName(r.port, locale, m, r.protocol), w.service),
        pad(stateCell(r, m, paint), w.state),
        here,
        truncate(`${r.reason} ${r.ms} ms`, detailWidth),
      ]),
    );
  }
  if (shown.length < rows.length) out.push(`  ${m.moreRows(rows.length - shown.length)}`);
  return out;
}

export function renderAdvice(scan: ScanResult, locale: Locale, m: CliMessages, paint: Paint) {
  const open = scan.results.filter((r) => r.state === 'open').sort((a, b) => a.port - b.port);
  if (open.length === 0) return [];
  const out = ['', paint.bold(m.advice)];
  for (const r of open) {
    const entry = catalogEntryFor(r.protocol, r.port);
    const text = entry?.text[locale];
    const label = `${r.protocol.toUpperCase()}/${r.port}`;
    out.push(paint.red(`■ ${label} ${serviceName(r.port, locale, m, r.protocol)}`));
    out.push(...wrap(text?.why ?? m.unknownWhy, WIDTH, '  '));
    out.push(...wrap(`→ ${text?.fix ?? m.unknownFix}`, WIDTH, '  '));
    // What the closer look found on this port (issue 16), the most severe first.
    const findings = (scan.findings ?? [])
      .filter((f) => f.port === r.port && f.protocol === r.protocol)
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
    for (const f of findings) {
      const ft = FINDING_TEXTS[f.id as FindingId]?.[locale];
      const head = `! [${SEVERITY_LABELS[f.severity][locale]}] ${ft?.title ?? f.id}`;
      out.push(...wrap(head, WIDTH, '  ').map(f.severity === 'high' ? paint.red : (t) => t));
      if (ft) out.push(...wrap(`→ ${ft.advice}`, WIDTH, '    '));
      const detail = detailLine(f.detail);
      if (detail) out.push(...wrap(detail, WIDTH, '    ').map(paint.dim));
    }
  }
  return out;
}

export function renderCorrelation(
  correlation: Correlation | undefined,
  why: string | undefined,
  m: CliMessages,
  paint: Paint,
): string[] {
  const out = ['', paint.bold(m.correlation.title)];
  if (!correlation) return [...out, ...wrap(m.correlation.unavailable(why ?? '?'), WIDTH, '  ')];
  const list = (ports: number[]) => ports.join(', ');
  const c = correlation;
  if (c.exposed.length)
    out.push(...wrap(m.correlation.exposed(list(c.exposed)), WIDTH, '  ').map(paint.red));
  if (c.elsewhere.length)
    out.push(...wrap(m.correlation.elsewhere(list(c.elsewhere)), WIDTH, '  '));
  if (c.firewall.length)
    out.push(...wrap(m.correlation.firewall(list(c.firewall)), WIDTH, '  ').map(paint.green));
  if (!c.exposed.length && !c.elsewhere.length && !c.firewall.length)
    out.push(`  ${m.correlation.fine}`);
  return out;
}

export interface ReportInput {
  scan: ScanResult;
  link: string;
  listening: ListeningReport | { source: undefined; why: string };
  locale: Locale;
  m: CliMessages;
  paint: Paint;
}

export function renderReport({ scan, link, listening, locale, m, paint }: ReportInput): string {
  const sockets = listening.source === undefined ? undefined : listening.sockets;
  const cls = m.addressClass[scan.class as AddressClass] ?? scan.class;
  const out = [
    ...headline(scan, m, paint),
    ...wrap(m.addressTested(scan.address, scan.family, cls), WIDTH),
    // A dual-stack diagnosis (issue 15): each family's address and verdict.
    ...((scan.targets?.length ?? 0) > 1
      ? (scan.targets ?? []).map((t) =>
          m.familyLine(
            t.family,
            t.address,
            t.status === 'not_tested' ? 'not_tested' : (t.verdict ?? t.status),
          ),
        )
      : []),
    '',
    ...renderTable(scan, sockets, locale, m, paint),
    ...renderAdvice(scan, locale, m, paint),
  ];
  if (scan.status === 'done')
    out.push(
      ...renderCorrelation(
        correlate(scan, sockets),
        listening.source === undefined ? listening.why : undefined,
        m,
        paint,
      ),
    );
  out.push('', m.resultCode(scan.code, link));
  return `${out.join('\n')}\n`;
}
