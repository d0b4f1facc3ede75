// The diagnosis as a PC user runs it, in Debian's chromium (playwright-core): landing → choose →
// confirm → live result → verdict, in Japanese and English, without JavaScript, and at 375 px.
// The browser runs inside the lab's target namespace and the real server (a child process) in
// the root namespace, so the server scans the browser's own address through the lab's listeners
// (open), nothing (closed: RST), drop rules and ICMP rejects (no answer): every row is checked
// against that ground truth. Also: the language switch on every page keeps the page.
//
// Needs root and /usr/bin/chromium (skips loudly otherwise, fails under CI=true).
// Traffic: only the lab's addresses (198.18.0.0/15), inside namespaces the lab creates.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { catalogEntryFor, presetPorts, splitFix } from '../../src/core/catalog.js';
import { type Lang, MESSAGES } from '../../src/web/i18n/index.js';
import {
  acceptTerms,
  assertJapaneseGlyphs,
  browserSupport,
  choosePorts,
  diagnose,
  type E2eEnv,
  EXPOSED_PORTS,
  expectedState,
  type FlowPage,
  GROUND_TRUTH,
  launchBrowser,
  requireBrowser,
  resultId,
  rowStates,
  SAFE_PORTS,
  scrollWidth,
  startE2eEnv,
  textOf,
  verdictOf,
  waitForVerdict,
} from '../helpers/browser.js';
import { labSupport, requireLab } from '../helpers/lab.js';

// The words the issue names, spelled out here (not only taken from the message files). The lab's
// addresses (198.18.0.0/15, benchmarking) are special-purpose: the verdict says what was tested —
// this server's view — not the internet's (issue 9; the internet's words: pages-words.test.ts).
const WORDS = {
  ja: {
    accept: '利用規約に同意して診断する',
    next: '次へ進む',
    start: '診断スタート',
    exposed: 'このサーバーから接続できるポートがあります',
    safe: '安全（このサーバーから見た結果）',
  },
  en: {
    accept: 'I accept the terms of use and want to run a diagnosis',
    next: 'Next',
    start: 'Start diagnosis',
    exposed: 'Ports are reachable from this server',
    safe: 'Safe (as seen from this server)',
  },
} as const;

const REASON: Record<number, string> = {};
for (const p of GROUND_TRUTH.open) REASON[p] = 'syn-ack';
for (const p of GROUND_TRUTH.closed) REASON[p] = 'refused';
for (const p of GROUND_TRUTH.dropped) REASON[p] = 'timeout';
for (const p of GROUND_TRUTH.rejected) REASON[p] = 'host-unreachable';

let env: E2eEnv | undefined;
const ready = (t: TestContext) => requireLab(t) && requireBrowser(t);

before(async () => {
  if (labSupport().ok && browserSupport().ok) env = await startE2eEnv();
});
after(async () => {
  await env?.close();
});

const text = textOf;

/** The reason label of a detail cell without the milliseconds ("拒否 (RST) ・ 3 ms" → "拒否 (RST)"). */
const reasonLabel = (lang: Lang, reason: string) =>
  MESSAGES[lang].result.reason(reason, 7).replace(/\s*[・·]\s*7 ms$/, '');

// ---------------------------------------------------------------------------------------------
// Per-page checks

async function checkLanding(page: Page, lang: Lang) {
  const e = env!;
  // Every Japanese run fails on a machine where Japanese renders as empty boxes.
  if (lang === 'ja') await assertJapaneseGlyphs(page);
  const w = WORDS[lang];
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.equal(await text(page, 'h1'), MESSAGES[lang].landing.title);
  assert.equal(await text(page, 'label[for="accept"]'), w.accept);
  assert.equal(MESSAGES[lang].landing.accept, w.accept);
  assert.equal(await text(page, 'form[action="/accept"] button[type="submit"]'), w.next);
  // The address that will be probed is the browser's own: the lab's target address.
  assert.equal(await text(page, '[data-testid="target-address"]'), e.lab.targetV4);
  assert.equal(await page.locator('#accept').isChecked(), false);
}

async function checkChoose(page: Page, lang: Lang) {
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.equal(await text(page, 'h1'), MESSAGES[lang].choose.title);
  // "core" preselected: its radio, and exactly its ports ticked.
  assert.equal(await page.locator('#preset-core').isChecked(), true);
  const ticked = await page
    .locator('input[name="ports"]:checked')
    .evaluateAll((boxes) => boxes.map((b) => Number((b as HTMLInputElement).value)));
  assert.deepEqual(
    ticked.sort((a, b) => a - b),
    presetPorts('core'),
  );
  // Every port the lab uses is offered as a checkbox.
  for (const port of EXPOSED_PORTS) assert.equal(await page.locator(`#port-${port}`).count(), 1);
}

async function checkConfirm(page: Page, lang: Lang, ports: readonly number[]) {
  const e = env!;
  assert.equal(await text(page, 'h1'), MESSAGES[lang].confirm.title);
  assert.equal(await text(page, '[data-testid="target-address"]'), e.lab.targetV4);
  const listed = await page
    .locator('ul.port-list li .portnum')
    .evaluateAll((items) => items.map((i) => i.textContent));
  assert.deepEqual(
    listed,
    ports.map((p) => `TCP/${p}`),
  );
  assert.equal(await text(page, 'h2#ports-h'), MESSAGES[lang].confirm.ports(ports.length));
  assert.equal(await text(page, 'form[action="/start"] button[type="submit"]'), WORDS[lang].start);
  const hidden = await page
    .locator('form[action="/start"] input[name="ports"]')
    .evaluateAll((inputs) => inputs.map((i) => Number((i as HTMLInputElement).value)));
  assert.deepEqual(hidden, [...ports]);
}

async function checkRunning(page: Page, lang: Lang, ports: readonly number[], js: boolean) {
  const r = MESSAGES[lang].result;
  assert.equal(await verdictOf(page), 'running', 'the result page first shows the live progress');
  assert.ok(await page.locator('section.progress progress').isVisible(), 'progress bar visible');
  assert.ok(await page.locator('#progress-text').isVisible(), 'progress text visible');
  assert.ok((await text(page, '#verdict-h')).endsWith(r.headline.running));
  assert.equal(
    await page.locator('section.progress progress').getAttribute('max'),
    String(ports.length),
  );
  // Rows fill in as probes finish: the dropped ports cannot have answered yet (each try waits
  // 1.2 s); every row is there, answered or pending.
  const rows = new Map(await rowStates(page));
  assert.deepEqual(
    [...rows.keys()].sort((a, b) => a - b),
    [...ports],
  );
  for (const port of ports) {
    const state = rows.get(port);
    if ((GROUND_TRUTH.dropped as readonly number[]).includes(port))
      assert.equal(state, 'pending', `TCP/${port} (dropped) still pending at first`);
    else assert.ok(state === 'pending' || state === expectedState(port), `TCP/${port}: ${state}`);
  }
  if (!js) {
    // Without JavaScript the page refreshes itself until done.
    const refresh = await page
      .locator('noscript')
      .evaluateAll((els) => els.map((e) => e.innerHTML).join(''));
    assert.match(refresh, /http-equiv="refresh"/);
  }
}

/** With JS: the stream filled in every row (translated), no reload yet. */
async function checkLive(page: Page, lang: Lang, ports: readonly number[]) {
  const r = MESSAGES[lang].result;
  assert.equal(await verdictOf(page), 'running', 'no reload before the end handler ran');
  assert.equal(
    await page
      .locator('section.progress progress')
      .evaluate((p) => (p as HTMLProgressElement).value),
    ports.length,
  );
  assert.equal(await text(page, '#progress-text'), r.progress(ports.length, ports.length));
  // The summary's counts follow the stream too (they stayed at 0 before issue 9).
  assert.equal(
    await text(page, '.verdict .counts'),
    r.counts(
      ports.filter((p) => expectedState(p) === 'open').length,
      ports.filter((p) => expectedState(p) === 'closed').length,
      ports.filter((p) => expectedState(p) === 'filtered').length,
      0,
    ),
    'live counts',
  );
  for (const port of ports) {
    const row = page.locator(`#row-${port}`);
    assert.equal(await row.getAttribute('data-state'), expectedState(port), `live TCP/${port}`);
    assert.ok(
      (await text(page, `#row-${port} .badge`)).endsWith(r.state[expectedState(port)]),
      `live badge of TCP/${port}`,
    );
    const detail = await text(page, `#row-${port} .detail`);
    assert.ok(
      detail.startsWith(reasonLabel(lang, REASON[port]!)),
      `live detail of TCP/${port} in ${lang}: ${detail}`,
    );
  }
}

async function checkResult(
  page: Page,
  lang: Lang,
  ports: readonly number[],
  verdict: 'exposed' | 'safe',
  id: string,
) {
  const e = env!;
  const r = MESSAGES[lang].result;
  assert.equal(resultId(page), id);
  assert.equal(await verdictOf(page), verdict);
  const headline = await text(page, '#verdict-h');
  assert.ok(headline.endsWith(WORDS[lang][verdict]), `headline: ${headline}`);
  assert.equal(r.byView.server.headline[verdict], WORDS[lang][verdict]);
  assert.equal(await text(page, '[data-testid="summary"]'), r.byView.server.summary[verdict]);
  assert.equal(await page.locator('section.progress').count(), 0, 'no progress once done');

  // Every row right, with its reason; open ones first.
  const rows = await rowStates(page);
  assert.deepEqual(
    rows.map(([p]) => p).sort((a, b) => a - b),
    [...ports],
  );
  for (const [port, state] of rows) {
    assert.equal(state, expectedState(port), `TCP/${port}`);
    const detail = await text(page, `#row-${port} .detail`);
    assert.ok(detail.startsWith(reasonLabel(lang, REASON[port]!)), `TCP/${port} detail: ${detail}`);
    assert.match(detail, /\d+ ms$/);
  }
  const open = ports.filter((p) => expectedState(p) === 'open');
  assert.deepEqual(
    rows.slice(0, open.length).map(([p]) => p),
    open,
    'open rows first',
  );
  assert.equal(
    await text(page, '.verdict .counts'),
    r.counts(
      open.length,
      ports.filter((p) => expectedState(p) === 'closed').length,
      ports.filter((p) => expectedState(p) === 'filtered').length,
      0,
    ),
  );

  // Open ports first, each with why it matters and how to close it.
  const cards = await page
    .locator('article.port-card')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')));
  assert.deepEqual(
    cards,
    open.map((p) => `open-${p}`),
  );
  if (open.length > 0) {
    const openFirst = await page.evaluate(() => {
      const cardsH = document.getElementById('open-h');
      const table = document.getElementById('results-table');
      return !!cardsH && !!table && !!(cardsH.compareDocumentPosition(table) & 4);
    });
    assert.ok(openFirst, 'the open ports come before the table');
  }
  for (const port of open) {
    const card = page.locator(`[data-testid="open-${port}"]`);
    const h4 = await card.locator('h4').allTextContents();
    assert.deepEqual(h4, [r.why, r.fix]);
    const entry = catalogEntryFor('tcp', port)!;
    const cardText = (await card.textContent()) ?? '';
    assert.ok(cardText.includes(entry.text[lang].why), `TCP/${port} why`);
    const { own, shared } = splitFix(entry.text[lang].fix, lang);
    assert.ok(cardText.includes(own), `TCP/${port} fix`);
    // The steps every open port shares are written once, above the cards, not in each card.
    const block = (await page.locator('[data-testid="shared-advice"]').textContent()) ?? '';
    for (const step of shared) {
      // Listed for several ports: "these ports" where the entry says "this port".
      const listed = open.length > 1 ? step.listed[lang] : step[lang];
      assert.ok(!cardText.includes(step[lang]), `TCP/${port} card repeats a shared step`);
      assert.ok(block.includes(listed), `shared block lacks ${step.id}`);
      assert.equal(block.split(listed).length, 2, `${step.id} once in the shared block`);
    }
  }

  // The tested address and the result code (as stored).
  assert.equal(await text(page, '[data-testid="tested-address"]'), e.lab.targetV4);
  const code = await text(page, '[data-testid="result-code"]');
  assert.match(code, /^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$/);
  const row = e.server.scanRow(id);
  assert.equal(row?.code, code);
  assert.equal(row?.status, 'done');
  assert.equal(row?.verdict, verdict);
  assert.equal(await text(page, '.meta form[action$="/retest"] button'), r.retest);
}

// ---------------------------------------------------------------------------------------------
// One complete diagnosis with every check

interface Run {
  lang: Lang;
  ports: readonly number[];
  verdict: 'exposed' | 'safe';
  js?: boolean;
  width?: number;
}

async function run(t: TestContext, o: Run) {
  const e = env!;
  const js = o.js !== false;
  const width = o.width ?? 1280;
  const session = await launchBrowser({
    netns: e.lab.targetNs,
    locale: lang2locale(o.lang),
    javaScriptEnabled: js,
    viewport: { width, height: width < 600 ? 812 : 900 },
    holdEnd: js,
  });
  const seen: FlowPage[] = [];
  try {
    const before = e.server.count('scans');
    const id = await diagnose(
      session,
      e.server.origin,
      o.ports,
      async (name, page) => {
        seen.push(name);
        if (width < 600) {
          const sw = await scrollWidth(page);
          assert.ok(sw <= width, `${name} at ${width} px scrolls sideways (scrollWidth ${sw})`);
        }
        if (name === 'landing') await checkLanding(page, o.lang);
        else if (name === 'choose') await checkChoose(page, o.lang);
        else if (name === 'confirm') await checkConfirm(page, o.lang, o.ports);
        else if (name === 'running') await checkRunning(page, o.lang, o.ports, js);
        else if (name === 'live') await checkLive(page, o.lang, o.ports);
      },
      { js, holdEnd: js },
    );
    await checkResult(session.page, o.lang, o.ports, o.verdict, id);
    assert.deepEqual(
      seen,
      js
        ? ['landing', 'choose', 'confirm', 'running', 'live', 'result']
        : ['landing', 'choose', 'confirm', 'running', 'result'],
    );
    assert.equal(e.server.count('scans'), before + 1, 'exactly one scan');
    t.diagnostic(`${o.lang} ${js ? 'js' : 'no-js'} ${width}px ${o.verdict}: ${id.slice(0, 4)}…`);
  } finally {
    await session.close();
    await e.server.waitIdle();
  }
}

const lang2locale = (lang: Lang) => (lang === 'ja' ? 'ja-JP' : 'en-US');

describe('e2e: the diagnosis in chromium, requester in the lab', () => {
  it('Japanese: exposed (open ports first, every row right), then safe', async (t) => {
    if (!ready(t)) return;
    await run(t, { lang: 'ja', ports: EXPOSED_PORTS, verdict: 'exposed' });
    await run(t, { lang: 'ja', ports: SAFE_PORTS, verdict: 'safe' });
  });

  it('English: exposed, then safe', async (t) => {
    if (!ready(t)) return;
    await run(t, { lang: 'en', ports: EXPOSED_PORTS, verdict: 'exposed' });
    await run(t, { lang: 'en', ports: SAFE_PORTS, verdict: 'safe' });
  });

  it('without JavaScript: the result page refreshes itself until done, rows right', async (t) => {
    if (!ready(t)) return;
    await run(t, { lang: 'ja', ports: EXPOSED_PORTS, verdict: 'exposed', js: false });
    await run(t, { lang: 'en', ports: SAFE_PORTS, verdict: 'safe', js: false });
  });

  it('at 375 px: no horizontal scrolling on any page, the flow works', async (t) => {
    if (!ready(t)) return;
    await run(t, { lang: 'ja', ports: EXPOSED_PORTS, verdict: 'exposed', width: 375 });
    await run(t, { lang: 'en', ports: EXPOSED_PORTS, verdict: 'exposed', width: 375 });
    // The pages off the main path too.
    const e = env!;
    for (const lang of ['ja', 'en'] as const) {
      const session = await launchBrowser({
        netns: e.lab.targetNs,
        locale: lang2locale(lang),
        viewport: { width: 375, height: 812 },
      });
      try {
        for (const path of ['/privacy', '/r/no-such-result']) {
          await session.page.goto(`${e.server.origin}${path}`);
          const sw = await scrollWidth(session.page);
          assert.ok(sw <= 375, `${path} (${lang}) at 375 px: scrollWidth ${sw}`);
        }
      } finally {
        await session.close();
      }
    }
  });

  it('the language switch on every page goes to the other language and keeps the page', async (t) => {
    if (!ready(t)) return;
    const e = env!;
    const session = await launchBrowser({ netns: e.lab.targetNs, locale: 'ja-JP' });
    const { page } = session;
    const here = () => {
      const u = new URL(page.url());
      u.searchParams.delete('lang');
      return u.pathname + u.search;
    };
    /** Clicks the switch, checks the language and that `same` (a page fact) did not change. */
    const flip = async (where: string, from: Lang, same: () => Promise<string>) => {
      const to: Lang = from === 'ja' ? 'en' : 'ja';
      assert.equal(await page.getAttribute('html', 'lang'), from, `${where}: starts in ${from}`);
      const path = here();
      const fact = await same();
      const link = page.locator('header a.lang');
      assert.equal(await link.getAttribute('hreflang'), to);
      assert.equal(await text(page, 'header a.lang'), MESSAGES[from].switchLanguage);
      await Promise.all([page.waitForURL(/lang=/), link.click()]);
      assert.equal(await page.getAttribute('html', 'lang'), to, `${where}: switched to ${to}`);
      assert.equal(here(), path, `${where}: same page`);
      assert.equal(await same(), fact, `${where}: same content`);
    };
    try {
      const origin = e.server.origin;
      await page.goto(`${origin}/`);
      const address = () => text(page, '[data-testid="target-address"]');
      await flip('landing', 'ja', address);
      await flip('landing', 'en', address);
      await acceptTerms(page, origin, { navigate: false });
      const ticked = async () =>
        (
          await page
            .locator('input[name="ports"]:checked')
            .evaluateAll((b) => b.map((x) => (x as HTMLInputElement).value))
        ).join(',');
      await flip('choose', 'ja', ticked);
      await flip('choose', 'en', ticked);
      await choosePorts(page, SAFE_PORTS);
      const listed = async () =>
        (await page.locator('ul.port-list .portnum').allTextContents()).join(',');
      await flip('confirm', 'ja', listed);
      await flip('confirm', 'en', listed);
      await Promise.all([
        page.waitForURL(/\/r\//),
        page.locator('form[action="/start"] button[type="submit"]').click(),
      ]);
      const code = () => text(page, '[data-testid="result-code"]');
      await waitForVerdict(page);
      await flip('result', 'ja', code);
      await flip('result', 'en', code);
      await page.goto(`${origin}/privacy`);
      const paragraphs = async () => String(await page.locator('main p').count());
      await flip('privacy', 'ja', paragraphs);
      await flip('privacy', 'en', paragraphs);
      await page.goto(`${origin}/r/no-such-result`);
      const status = async () => String((await page.locator('.notice.error').count()) > 0);
      await flip('404', 'ja', status);
      await flip('404', 'en', status);
      // A page that answered a POST (here: the terms sent without the box ticked) switches to
      // the page the user was on, not to a URL that only takes a POST.
      await page.goto(`${origin}/`);
      await page.locator('#accept').evaluate((box) => box.removeAttribute('required'));
      await Promise.all([
        page.waitForURL(/\/accept/),
        page.locator('form[action="/accept"] button[type="submit"]').click(),
      ]);
      assert.equal(await text(page, '#accept-error'), MESSAGES.ja.landing.mustAccept);
      const link = page.locator('header a.lang');
      await Promise.all([page.waitForLoadState('load'), link.click()]);
      assert.equal(await page.getAttribute('html', 'lang'), 'en', 'after a POST: switched');
      assert.equal(await text(page, 'h1'), MESSAGES.en.landing.title, 'after a POST: same page');
    } finally {
      await session.close();
      await e.server.waitIdle();
    }
  });
});
