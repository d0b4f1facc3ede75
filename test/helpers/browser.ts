/// <reference lib="dom" />
// End-to-end helpers: Debian's chromium driven by playwright-core over a pipe, launched INSIDE the
// lab's target namespace (a tiny wrapper script runs `ip netns exec <ns> /usr/bin/chromium`), and
// the real server (src/bin/server.ts, a child process) in the root namespace listening on the
// lab's scanner address. The server therefore sees the browser's requests coming from the lab's
// target address and scans that address through the lab's listeners and nftables rules: the
// ground truth of every row is the lab's, not a mock's.
//
// Also here: the axe runner (axe-core's source evaluated in the page; @axe-core/playwright needs
// Node 22), the screenshot helper, and the steps of the diagnosis flow shared by the tests and
// scripts/screenshots.ts.
//
// Traffic: the browser lives in the target namespace, whose only link goes to the lab's scanner
// address; it never downloads anything (no `playwright install`: the system chromium is used).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import axe from 'axe-core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createLab, type Lab, labSupport, REPO_ROOT, requireLab } from './lab.js';
import { startServerProcess } from './server-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'screenshots');

// ---------------------------------------------------------------------------------------------
// Support check

export function browserSupport(): { ok: true } | { ok: false; why: string } {
  if (!existsSync(CHROMIUM)) {
    return {
      ok: false,
      why: `${CHROMIUM} not found (apt-get install chromium; never \`playwright install\`)`,
    };
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return { ok: false, why: '`ip` (iproute2) not found' };
  }
  return { ok: true };
}

/** Returns false (and marks the test skipped, loudly) without chromium; throws under CI=true. */
export function requireBrowser(t: TestContext): boolean {
  const s = browserSupport();
  if (s.ok) return true;
  if (process.env.CI === 'true') throw new Error(`chromium required under CI=true: ${s.why}`);
  process.stderr.write(`\n*** E2E SKIPPED: ${s.why} — browser tests did NOT run ***\n\n`);
  t.skip(`E2E SKIPPED: ${s.why}`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Browser

export interface BrowserOptions {
  /** Network namespace the browser runs in (the lab's target namespace); null: the root
   *  namespace (for a server on loopback, the quick start's view). */
  netns: string | null;
  locale: 'ja-JP' | 'en-US';
  javaScriptEnabled?: boolean;
  /** Default 1280 × 900 (desktop). */
  viewport?: { width: number; height: number };
  /** Hold the live page's `end` event (see holdEndEvents) so a running page stays as it is. */
  holdEnd?: boolean;
  /** Extra environment for chromium (e.g. FONTCONFIG_FILE). */
  env?: Record<string, string>;
  /** Extra chromium flags (e.g. --host-resolver-rules for the family origins). */
  args?: string[];
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** One chromium process with a fresh profile (mkdtemp), headless, in `netns`. */
export async function launchBrowser(opts: BrowserOptions): Promise<BrowserSession> {
  if (opts.netns !== null && !/^[A-Za-z0-9_.-]+$/.test(opts.netns))
    throw new Error(`bad netns name ${opts.netns}`);
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-e2e-'));
  const wrapper = join(dir, 'chromium-in-netns');
  const exec = opts.netns === null ? '' : `ip netns exec ${opts.netns} `;
  writeFileSync(wrapper, `#!/bin/sh\nexec ${exec}${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const userDataDir = join(dir, 'profile');
  mkdirSync(userDataDir);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: wrapper,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      locale: opts.locale,
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      timeout: 60_000,
      ...(opts.env ? { env: { ...process.env, ...opts.env } as Record<string, string> } : {}),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (opts.holdEnd) await context.addInitScript(holdEndEvents);
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  let closing: Promise<void> | undefined;
  return {
    context,
    page,
    close: () => {
      closing ??= (async () => {
        await context.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** An init script (runs before the page's own script): EventSource listeners for `end` are
 *  held until the test calls window.__selfscanRelease(), and window.__selfscanEnded tells that
 *  `end` arrived. So a test sees the running page exactly as the live updates left it (every row
 *  filled in by the stream, no reload yet), then lets the page's own `end` handler run. */
function holdEndEvents(): void {
  type Held = [EventListenerOrEventListenerObject, Event, EventSource];
  const w = window as unknown as {
    __selfscanEnded?: boolean;
    __selfscanRelease?: () => void;
  };
  const proto = window.EventSource?.prototype;
  if (!proto) return;
  const add = proto.addEventListener as (
    this: EventSource,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) => void;
  const held: Held[] = [];
  w.__selfscanEnded = false;
  w.__selfscanRelease = () => {
    for (const [fn, event, target] of held.splice(0)) {
      if (typeof fn === 'function') fn.call(target, event);
      else fn.handleEvent(event);
    }
  };
  proto.addEventListener = function (
    this: EventSource,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) {
    if (type !== 'end') return add.call(this, type, listener, options);
    add.call(
      this,
      'end',
      (event: Event) => {
        w.__selfscanEnded = true;
        held.push([listener, event, this]);
        this.close(); // as the page's own handler would: no reconnection meanwhile
      },
      options,
    );
  } as EventSource['addEventListener'];
}

/** With holdEnd: waits until the stream's `end` arrived (the scan finished, every row is filled
 *  in live), without letting the page reload. */
export async function waitForHeldEnd(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    () => (window as unknown as { __selfscanEnded?: boolean }).__selfscanEnded === true,
    undefined,
    { timeout: timeoutMs, polling: 50 },
  );
}

/** With holdEnd: runs the page's own `end` handler (it reloads the finished result). */
export async function releaseEnd(page: Page): Promise<void> {
  await Promise.all([
    page.waitForEvent('load'),
    page.evaluate(() =>
      (window as unknown as { __selfscanRelease: () => void }).__selfscanRelease(),
    ),
  ]);
}

// ---------------------------------------------------------------------------------------------
// axe

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string; html: string }[];
}

/** Runs axe-core in the page (evaluated over CDP, so the page's CSP does not block it). */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> };
    };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target,
        html: n.html,
        ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}),
      })),
    }));
  });
}

export function formatViolations(where: string, violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `[${where}] ${v.impact ?? '?'} ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes
          .slice(0, 5)
          .map(
            (n) =>
              `    ${n.target.join(' ')}  ${n.html.slice(0, 160)}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`,
          )
          .join('\n')}`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Fonts

/** How the page's own font draws 「安」 and 「全」. Without a CJK font chromium draws every
 *  Japanese character as the same .notdef box (issue 9: every test passed on such a machine), so
 *  the two come out pixel-identical; with one, they differ. Widths are for the report: a CJK
 *  font's own .notdef box can be exactly as wide as a kanji, so widths alone cannot tell. */
export async function japaneseGlyphs(
  page: Page,
): Promise<{ distinct: boolean; inked: boolean; width: number; notdefWidth: number }> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    const family = getComputedStyle(document.body).fontFamily;
    const canvas = document.createElement('canvas');
    canvas.width = 96;
    canvas.height = 64;
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    g.font = `48px ${family}`;
    // No named helper inside: tsx would wrap it in a __name() the page does not have.
    const [a, b] = ['安', '全'].map((ch) => {
      g.clearRect(0, 0, canvas.width, canvas.height);
      g.fillText(ch, 8, 52);
      return g.getImageData(0, 0, canvas.width, canvas.height).data;
    }) as [Uint8ClampedArray, Uint8ClampedArray];
    let differ = 0;
    let ink = 0;
    for (let i = 3; i < a.length; i += 4) {
      if (a[i] !== b[i]) differ++;
      if ((a[i] ?? 0) > 0) ink++;
    }
    // U+10FFFD is a private-use code point of plane 16: no installed font draws it.
    return {
      distinct: differ > 20,
      inked: ink > 20,
      width: g.measureText('安全').width,
      notdefWidth: g.measureText('\u{10FFFD}\u{10FFFD}').width,
    };
  });
}

/** Fails unless Japanese glyphs render (a CJK font is installed and used by chromium). */
export async function assertJapaneseGlyphs(page: Page): Promise<void> {
  const r = await japaneseGlyphs(page);
  if (!r.distinct || !r.inked)
    throw new Error(
      `Japanese text renders as empty boxes: 「安」 and 「全」 are drawn ${r.inked ? 'identically' : 'without ink'} (「安全」 ${r.width} px wide, two .notdef boxes ${r.notdefWidth} px) — install a CJK font (Debian: fonts-noto-cjk)`,
    );
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/** Full-page PNG into docs/screenshots/<name>.png (or `dir`). */
export async function saveScreenshot(page: Page, name: string, dir = SCREENSHOT_DIR) {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad screenshot name ${name}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  // The caret would make every regeneration differ for nothing.
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

// ---------------------------------------------------------------------------------------------
// Lab ground truth

/** What the lab does on each port (all TCP ports of the catalog, so they appear as checkboxes). */
export const GROUND_TRUTH = {
  open: [22, 445],
  closed: [23, 139],
  dropped: [135, 3389],
  rejected: [5900],
} as const;
export const EXPOSED_PORTS = [
  ...GROUND_TRUTH.open,
  ...GROUND_TRUTH.closed,
  ...GROUND_TRUTH.dropped,
  ...GROUND_TRUTH.rejected,
].sort((a, b) => a - b);
export const SAFE_PORTS = [...GROUND_TRUTH.closed, ...GROUND_TRUTH.dropped].sort((a, b) => a - b);

export function expectedState(port: number): 'open' | 'closed' | 'filtered' {
  if ((GROUND_TRUTH.open as readonly number[]).includes(port)) return 'open';
  if (
    (GROUND_TRUTH.dropped as readonly number[]).includes(port) ||
    (GROUND_TRUTH.rejected as readonly number[]).includes(port)
  )
    return 'filtered';
  return 'closed';
}

/** A lab with listeners on the open ports, drop rules on the dropped ones, ICMP rejects on the
 *  rejected ones; every other port of the target is closed (its kernel answers RST). */
export async function createGroundTruthLab(): Promise<Lab> {
  const lab = await createLab({ delayMs: 1 });
  try {
    await lab.listen(GROUND_TRUTH.open);
    await lab.drop(GROUND_TRUTH.dropped);
    await lab.reject(GROUND_TRUTH.rejected, 'admin-prohibited');
    return lab;
  } catch (err) {
    await lab.close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The server, as a child process on the lab's scanner address

export interface E2eServer {
  origin: string;
  dbFile: string;
  /** Rows in a table, read from the SQLite file by a read-only connection. */
  count(table: 'scans' | 'consents'): number;
  /** Ids of the scans, oldest first. */
  scanIds(): string[];
  /** One scan's row (status, verdict, code), or undefined. */
  scanRow(id: string): { status: string; verdict: string | null; code: string } | undefined;
  /** Polls the database until no scan is queued or running (bounded). */
  waitIdle(timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export const SERVER_ENV: Record<string, string> = {
  SELFSCAN_MODE: 'local',
  SELFSCAN_LOG_LEVEL: 'warn',
  // A dropped port answers nothing: each try waits 1.2 s, so a diagnosis with a dropped port
  // stays "running" for a few seconds and the live page can be seen.
  SELFSCAN_PROBE_TIMEOUT_MIN_MS: '1200',
  SELFSCAN_PROBE_TIMEOUT_MAX_MS: '1200',
  SELFSCAN_RATE_LIMIT_PER_ADDRESS: '10000',
  SELFSCAN_RATE_LIMIT_PER_NETWORK: '10000',
  SELFSCAN_CONSENT_LIMIT_PER_ADDRESS: '10000',
  SELFSCAN_CONSENT_LIMIT_PER_NETWORK: '10000',
  SELFSCAN_SHUTDOWN_TIMEOUT_MS: '2000',
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startServer(host: string, extraEnv: Record<string, string> = {}) {
  const proc = await startServerProcess({ host, env: { ...SERVER_ENV, ...extraEnv } });
  const { db } = proc;
  const count = (table: 'scans' | 'consents') =>
    (db().prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const server: E2eServer = {
    origin: proc.baseUrl,
    dbFile: proc.dbFile,
    count,
    scanIds: () =>
      (
        db().prepare('select id from scans order by created_at, rowid').all() as { id: string }[]
      ).map((r) => r.id),
    scanRow: (id) =>
      db().prepare('select status, verdict, code from scans where id = ?').get(id) as
        | { status: string; verdict: string | null; code: string }
        | undefined,
    waitIdle: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const active = (
          db()
            .prepare("select count(*) as n from scans where status in ('queued', 'running')")
            .get() as {
            n: number;
          }
        ).n;
        if (active === 0) return;
        await sleep(50);
      }
      throw new Error(`scans still active after ${timeoutMs} ms`);
    },
    output: proc.output,
    stop: async () => {
      await proc.stop();
    },
  };
  return server;
}

export interface E2eEnv {
  lab: Lab;
  server: E2eServer;
  close(): Promise<void>;
}

/** The lab with its ground truth and the server on its scanner address. */
export async function startE2eEnv(serverEnv: Record<string, string> = {}): Promise<E2eEnv> {
  const lab = await createGroundTruthLab();
  let server: E2eServer;
  try {
    server = await startServer(lab.scannerV4, serverEnv);
  } catch (err) {
    await lab.close();
    throw err;
  }
  return {
    lab,
    server,
    close: async () => {
      await server.stop();
      await lab.close();
    },
  };
}

/** The lab and the server for one test file: started before its tests (when root and chromium
 *  are there), closed after them. `ready(t)` skips loudly (fails under CI=true) otherwise. */
export function e2eEnvForFile(serverEnv: Record<string, string> = {}) {
  let env: E2eEnv | undefined;
  before(async () => {
    if (labSupport().ok && browserSupport().ok) env = await startE2eEnv(serverEnv);
  });
  after(async () => {
    await env?.close();
  });
  return {
    /** The running env; only call after ready(t) returned true. */
    get: (): E2eEnv => {
      if (!env) throw new Error('e2e env not started');
      return env;
    },
    ready: (t: TestContext) => requireLab(t) && requireBrowser(t),
  };
}

/** The text of the first element matching `selector`, whitespace collapsed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Polls `fn` until it returns a value other than undefined (errors while a page navigates are
 *  retried); fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// The steps of the diagnosis

/** Landing → tick the terms → 次へ進む / Next → the choose page. */
export async function acceptTerms(
  page: Page,
  origin: string,
  opts: { navigate?: boolean } = {},
): Promise<void> {
  if (opts.navigate !== false) await page.goto(`${origin}/`);
  await page.locator('#accept').check();
  await Promise.all([
    page.waitForURL(/\/choose(\?|$)/),
    page.locator('form[action="/accept"] button[type="submit"]').click(),
  ]);
}

/** On the choose page: untick everything, tick `ports`, go on to the confirm page. */
export async function choosePorts(page: Page, ports: readonly number[]): Promise<void> {
  const ticked = await page
    .locator('input[name="ports"]:checked')
    .evaluateAll((boxes) => boxes.map((b) => Number((b as HTMLInputElement).value)));
  for (const port of ticked)
    if (!ports.includes(port)) await page.locator(`#port-${port}`).uncheck();
  for (const port of ports) await page.locator(`#port-${port}`).check();
  await Promise.all([
    page.waitForURL(/\/confirm\?/),
    page.locator('#choose-form button[type="submit"]').click(),
  ]);
}

/** On the confirm page: press 診断スタート / Start; returns the result's id. */
export async function startDiagnosis(page: Page): Promise<string> {
  await Promise.all([
    page.waitForURL(/\/r\/[^/?]+$/),
    page.locator('form[action="/start"] button[type="submit"]').click(),
  ]);
  return resultId(page);
}

export function resultId(page: Page): string {
  const m = /\/r\/([^/?#]+)/.exec(page.url());
  if (!m) throw new Error(`not on a result page: ${page.url()}`);
  return m[1]!;
}

/** The verdict shown (data-verdict on the verdict block). */
export async function verdictOf(page: Page): Promise<string | null> {
  return page.locator('[data-testid="verdict"]').getAttribute('data-verdict', { timeout: 5000 });
}

/** Waits until the result page shows a final verdict (live reload with JS, meta refresh without). */
export async function waitForVerdict(page: Page, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    'a final verdict',
    async () => {
      const v = await verdictOf(page);
      return v && v !== 'running' ? v : undefined;
    },
    timeoutMs,
  );
}

export type FlowPage = 'landing' | 'choose' | 'confirm' | 'running' | 'live' | 'result';

/**
 * The whole diagnosis as a user runs it: landing → choose `ports` → confirm → start → the live
 * result → the finished result. `onPage` runs on each page as it is shown ('live': with JS and
 * holdEnd, the running page once the stream has filled in every row, before its reload).
 * Returns the result's id.
 */
export async function diagnose(
  session: BrowserSession,
  origin: string,
  ports: readonly number[],
  onPage: (name: FlowPage, page: Page) => Promise<void> = async () => undefined,
  opts: { js?: boolean; holdEnd?: boolean } = {},
): Promise<string> {
  const { page } = session;
  await page.goto(`${origin}/`);
  await onPage('landing', page);
  await acceptTerms(page, origin, { navigate: false });
  await onPage('choose', page);
  await choosePorts(page, ports);
  await onPage('confirm', page);
  const id = await startDiagnosis(page);
  await onPage('running', page);
  if (opts.js !== false && opts.holdEnd) {
    await waitForHeldEnd(page);
    await onPage('live', page);
    await releaseEnd(page);
  }
  await waitForVerdict(page);
  await onPage('result', page);
  return id;
}

/** Rows of the result table: port → data-state, in page order. */
export async function rowStates(page: Page): Promise<[number, string][]> {
  return page
    .locator('#results-table tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [Number(r.getAttribute('data-port')), r.getAttribute('data-state') ?? '']),
    ) as Promise<[number, string][]>;
}

/** document scrollWidth (horizontal scrolling exists when it exceeds the viewport). */
export async function scrollWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}
