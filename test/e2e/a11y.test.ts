// axe-core on every page, in Japanese and English, in Debian's chromium: landing, choose,
// confirm, the result while running and when done (exposed and safe), the delete confirmation and
// the page after deleting, privacy, terms, a 404 of a result and of any URL, the 403 of a refused
// form, the landing sent without the box ticked.
// Every violation is printed; none may be serious or critical.
//
// Needs root and /usr/bin/chromium (skips loudly otherwise, fails under CI=true).
// Traffic: only the lab's addresses (198.18.0.0/15), inside namespaces the lab creates.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { Lang } from '../../src/web/i18n/index.js';
import {
  type AxeViolation,
  browserSupport,
  diagnose,
  type E2eEnv,
  EXPOSED_PORTS,
  formatViolations,
  launchBrowser,
  requireBrowser,
  runAxe,
  SAFE_PORTS,
  startE2eEnv,
  verdictOf,
} from '../helpers/browser.js';
import { labSupport, requireLab } from '../helpers/lab.js';

let env: E2eEnv | undefined;
const ready = (t: TestContext) => requireLab(t) && requireBrowser(t);

before(async () => {
  if (labSupport().ok && browserSupport().ok) env = await startE2eEnv();
});
after(async () => {
  await env?.close();
});

const BLOCKING = new Set(['serious', 'critical']);

async function auditLanguage(t: TestContext, lang: Lang, width: number) {
  const e = env!;
  const found: { where: string; violations: AxeViolation[] }[] = [];
  const audited: string[] = [];
  const audit = async (where: string, page: Page) => {
    const violations = await runAxe(page);
    audited.push(where);
    if (violations.length > 0) found.push({ where, violations });
  };
  const session = await launchBrowser({
    netns: e.lab.targetNs,
    locale: lang === 'ja' ? 'ja-JP' : 'en-US',
    viewport: { width, height: width < 600 ? 812 : 900 },
    holdEnd: true,
  });
  const { page } = session;
  try {
    await diagnose(
      session,
      e.server.origin,
      EXPOSED_PORTS,
      async (name, p) => {
        if (name === 'running') assert.equal(await verdictOf(p), 'running');
        await audit(name === 'result' ? 'result-exposed' : name, p);
      },
      { holdEnd: true },
    );
    await diagnose(
      session,
      e.server.origin,
      SAFE_PORTS,
      async (name, p) => {
        if (name === 'result') await audit('result-safe', p);
      },
      { holdEnd: true },
    );
    // Delete the result: the confirmation step, then the page that says it is gone.
    await Promise.all([
      page.waitForURL(/\/delete$/),
      page.locator('.meta a[href$="/delete"]').click(),
    ]);
    await audit('delete-confirm', page);
    await Promise.all([
      page.waitForURL(/\/deleted$/),
      page.locator('form[action$="/delete"] button').click(),
    ]);
    await audit('deleted', page);

    await page.goto(`${e.server.origin}/privacy`);
    await audit('privacy', page);
    await page.goto(`${e.server.origin}/terms`);
    await audit('terms', page);
    const notFound = await page.goto(`${e.server.origin}/r/no-such-result`);
    assert.equal(notFound?.status(), 404);
    await audit('404', page);
    const noPage = await page.goto(`${e.server.origin}/nonexistent`);
    assert.equal(noPage?.status(), 404);
    await audit('404-page', page);

    // The landing sent without the box ticked (400, with the error tied to the box).
    await page.goto(`${e.server.origin}/`);
    await page.locator('#accept').evaluate((box) => box.removeAttribute('required'));
    const [unticked] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/accept')),
      page.locator('form[action="/accept"] button[type="submit"]').click(),
    ]);
    assert.equal(unticked.status(), 400);
    await page.waitForLoadState('load');
    await audit('landing-error', page);

    // A refused form (forged CSRF token): the 403 page.
    await page.goto(`${e.server.origin}/`);
    await page.locator('#accept').check();
    await page.locator('input[name="_csrf"]').evaluate((i) => {
      (i as HTMLInputElement).value = 'forged';
    });
    const [forbidden] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/accept')),
      page.locator('form[action="/accept"] button[type="submit"]').click(),
    ]);
    assert.equal(forbidden.status(), 403);
    await page.waitForLoadState('load');
    await audit('403', page);

    // The runner itself: a page with known faults must fail, so "no violations" means something.
    await page.goto(`${e.server.origin}/privacy`);
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      main.insertAdjacentHTML(
        'beforeend',
        '<img src="data:,"><button></button><p id="faint">faint</p>',
      );
      // CSSOM, not a style attribute: the page's CSP refuses inline styles.
      const faint = document.getElementById('faint')!;
      faint.style.color = '#eeeeee';
      faint.style.background = '#ffffff';
    });
    const planted = new Set((await runAxe(page)).map((v) => `${v.id}:${v.impact}`));
    for (const expected of ['image-alt:critical', 'button-name:critical', 'color-contrast:serious'])
      assert.ok(planted.has(expected), `axe found the planted ${expected}: ${[...planted]}`);
  } finally {
    await session.close();
    await e.server.waitIdle();
  }

  for (const { where, violations } of found)
    for (const line of formatViolations(`${lang} ${width}px ${where}`, violations).split('\n'))
      t.diagnostic(line);
  const blocking = found.flatMap(({ where, violations }) =>
    violations.filter((v) => BLOCKING.has(v.impact ?? '')).map((v) => ({ where, v })),
  );
  t.diagnostic(`${lang} ${width}px: audited ${audited.join(', ')}`);
  assert.deepEqual(audited, [
    'landing',
    'choose',
    'confirm',
    'running',
    'live',
    'result-exposed',
    'result-safe',
    'delete-confirm',
    'deleted',
    'privacy',
    'terms',
    '404',
    '404-page',
    'landing-error',
    '403',
  ]);
  assert.equal(
    blocking.length,
    0,
    `serious or critical axe violations:\n${blocking
      .map(({ where, v }) => formatViolations(`${lang} ${width}px ${where}`, [v]))
      .join('\n')}`,
  );
}

describe('e2e: accessibility (axe-core) on every page', () => {
  for (const lang of ['ja', 'en'] as const)
    for (const width of [1280, 375])
      it(`${lang === 'ja' ? 'Japanese' : 'English'} pages at ${width} px: no serious or critical violations`, async (t) => {
        if (!ready(t)) return;
        await auditLanguage(t, lang, width);
      });
});
