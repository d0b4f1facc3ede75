// What must never start a diagnosis, in Debian's chromium: a form with a missing, forged or
// foreign CSRF token (403 page, nothing written); a replay of 「診断スタート」 with the same
// cookies (the browser's back button, or the same POST sent again: the SAME result, no second
// scan); a reload of the result page; a double click, with and without JavaScript. Scans and
// consents are counted in the server's SQLite file (read-only connection).
//
// Needs root and /usr/bin/chromium (skips loudly otherwise, fails under CI=true).
// Traffic: only the lab's addresses (198.18.0.0/15), inside namespaces the lab creates.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { MESSAGES } from '../../src/web/i18n/index.js';
import {
  acceptTerms,
  type BrowserSession,
  browserSupport,
  choosePorts,
  type E2eEnv,
  launchBrowser,
  requireBrowser,
  resultId,
  SAFE_PORTS,
  sleep,
  startE2eEnv,
  waitFor,
  waitForVerdict,
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

const open = (opts: { js?: boolean } = {}) =>
  launchBrowser({ netns: env!.lab.targetNs, locale: 'ja-JP', javaScriptEnabled: opts.js ?? true });

const heading = async (page: Page) =>
  ((await page.locator('h1').first().textContent()) ?? '').trim();

/** Sets the form's _csrf (undefined: removes it), submits, returns the POST's status. */
async function submitWithToken(page: Page, form: string, token: string | undefined) {
  const input = page.locator(`${form} input[name="_csrf"]`);
  if (token === undefined) await input.evaluate((i) => i.remove());
  else
    await input.evaluate((i, value) => {
      (i as HTMLInputElement).value = value;
    }, token);
  const action = (await page.locator(form).getAttribute('action'))!;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(action)),
    page.locator(`${form} button[type="submit"]`).click(),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

/** A valid CSRF token, but of another browser (another secret cookie). */
async function foreignToken(): Promise<string> {
  const other = await open();
  try {
    await other.page.goto(`${env!.server.origin}/`);
    return (await other.page.locator('input[name="_csrf"]').inputValue()) || 'empty';
  } finally {
    await other.close();
  }
}

/** Landing → choose → confirm for `ports`; returns the confirm page's URL. */
async function toConfirm(session: BrowserSession, ports: readonly number[]): Promise<string> {
  await acceptTerms(session.page, env!.server.origin);
  await choosePorts(session.page, ports);
  return session.page.url();
}

/** Waits a little for anything a stray second request might have started, then for idleness. */
async function settle() {
  await sleep(750);
  await env!.server.waitIdle();
}

describe('e2e: CSRF, consent replay, reload and double click', () => {
  it('POST /accept with a missing, forged or foreign _csrf: 403 page, no consent', async (t) => {
    if (!ready(t)) return;
    const e = env!;
    const foreign = await foreignToken();
    const session = await open();
    const { page } = session;
    try {
      for (const [what, token] of [
        ['missing', undefined],
        ['forged', 'forged-token'],
        ['foreign', foreign],
      ] as const) {
        const consents = e.server.count('consents');
        await page.goto(`${e.server.origin}/`);
        await page.locator('#accept').check();
        assert.equal(await submitWithToken(page, 'form[action="/accept"]', token), 403, what);
        assert.equal(await heading(page), MESSAGES.ja.errors.forbidden, what);
        assert.equal(e.server.count('consents'), consents, `${what}: no consent written`);
        const cookies = await session.context.cookies();
        assert.ok(
          !cookies.some((c) => c.name === 'selfscan_consent'),
          `${what}: no consent cookie`,
        );
        // The refused page's language switch still leads somewhere real (the landing).
        await Promise.all([page.waitForURL(/lang=en/), page.locator('header a.lang').click()]);
        assert.equal(await heading(page), MESSAGES.en.landing.title);
        await page.goto(`${e.server.origin}/?lang=ja`);
      }
      // The untouched form still works afterwards.
      await acceptTerms(page, e.server.origin);
      assert.match(page.url(), /\/choose/);
    } finally {
      await session.close();
    }
  });

  it('POST /start with a missing, forged or foreign _csrf: 403 page, no scan, consent intact', async (t) => {
    if (!ready(t)) return;
    const e = env!;
    const foreign = await foreignToken();
    const session = await open();
    const { page } = session;
    try {
      const confirm = await toConfirm(session, SAFE_PORTS);
      const scans = e.server.count('scans');
      for (const [what, token] of [
        ['missing', undefined],
        ['forged', 'forged-token'],
        ['foreign', foreign],
      ] as const) {
        await page.goto(confirm);
        assert.equal(await submitWithToken(page, 'form[action="/start"]', token), 403, what);
        assert.equal(await heading(page), MESSAGES.ja.errors.forbidden, what);
        assert.equal(e.server.count('scans'), scans, `${what}: nothing started`);
      }
      await settle();
      assert.equal(e.server.count('scans'), scans, 'nothing started later either');
      // The consent was not used up by the refused posts: the real form starts the diagnosis.
      await page.goto(confirm);
      await Promise.all([
        page.waitForURL(/\/r\//),
        page.locator('form[action="/start"] button').click(),
      ]);
      assert.equal(e.server.count('scans'), scans + 1);
      assert.equal(await waitForVerdict(page), 'safe');
    } finally {
      await session.close();
      await e.server.waitIdle();
    }
  });

  it('consent replay and reloads: the same result, never a second scan', async (t) => {
    if (!ready(t)) return;
    const e = env!;
    const session = await open();
    const { page } = session;
    try {
      const confirm = await toConfirm(session, SAFE_PORTS);
      const scans = e.server.count('scans');
      await Promise.all([
        page.waitForURL(/\/r\//),
        page.locator('form[action="/start"] button').click(),
      ]);
      const id = resultId(page);
      assert.equal(e.server.count('scans'), scans + 1);

      // Reload the result page while it runs, and again.
      await page.reload();
      assert.equal(resultId(page), id);
      await page.reload();
      assert.equal(e.server.count('scans'), scans + 1, 'reloads start nothing');

      // Back to the confirm page (re-fetched: no-store) and 「診断スタート」 again.
      await page.goBack();
      assert.equal(page.url(), confirm);
      await Promise.all([
        page.waitForURL(/\/r\//),
        page.locator('form[action="/start"] button').click(),
      ]);
      assert.equal(resultId(page), id, 'back + start again shows the same result');
      assert.equal(e.server.count('scans'), scans + 1);

      // The same POST sent again with the same cookies (and a valid form token).
      const replay = async () =>
        page.evaluate(async (ports) => {
          // A running result page has no form (delete is a link to its confirmation page):
          // take a form token of this browser from the landing page.
          const landing = new DOMParser().parseFromString(
            await (await fetch('/', { credentials: 'same-origin' })).text(),
            'text/html',
          );
          const token = (landing.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
          const body = new URLSearchParams({ _csrf: token, lang: 'ja' });
          for (const port of ports) body.append('ports', String(port));
          const res = await fetch('/start', { method: 'POST', body, credentials: 'same-origin' });
          return { status: res.status, url: res.url, redirected: res.redirected };
        }, SAFE_PORTS);
      const first = await replay();
      assert.equal(first.status, 200);
      assert.ok(first.redirected);
      assert.equal(new URL(first.url).pathname, `/r/${id}`, 'replay while running → same result');
      assert.equal(await waitForVerdict(page), 'safe');
      await e.server.waitIdle();
      const second = await replay();
      assert.equal(new URL(second.url).pathname, `/r/${id}`, 'replay when done → same result');
      await page.reload();
      await settle();
      assert.equal(e.server.count('scans'), scans + 1, 'exactly one scan after every replay');
    } finally {
      await session.close();
      await e.server.waitIdle();
    }
  });

  it('three simultaneous POST /start with one consent: one scan, each answer that result', async (t) => {
    if (!ready(t)) return;
    const e = env!;
    const session = await open();
    const { page } = session;
    try {
      await toConfirm(session, SAFE_PORTS);
      const scans = e.server.count('scans');
      // (No named functions in here: the page cannot see the bundler's helpers.)
      const answers = await page.evaluate(async (ports) => {
        const token = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
        const form = new URLSearchParams({ _csrf: token, lang: 'ja' });
        for (const port of ports) form.append('ports', String(port));
        const responses = await Promise.all(
          [0, 1, 2].map(() => fetch('/start', { method: 'POST', body: new URLSearchParams(form) })),
        );
        return responses.map((r) => ({ status: r.status, path: new URL(r.url).pathname }));
      }, SAFE_PORTS);
      await settle();
      assert.equal(e.server.count('scans'), scans + 1, 'exactly one scan');
      const id = e.server.scanIds().at(-1)!;
      assert.deepEqual(
        answers,
        [0, 1, 2].map(() => ({ status: 200, path: `/r/${id}` })),
      );
    } finally {
      await session.close();
      await e.server.waitIdle();
    }
  });

  for (const [name, js, click] of [
    ['a double click (dblclick), with JavaScript,', true, 'dblclick'],
    ['two rapid clicks, with JavaScript,', true, 'two-clicks'],
    ['a double click (dblclick), without JavaScript,', false, 'dblclick'],
    ['two rapid clicks, without JavaScript,', false, 'two-clicks'],
  ] as const) {
    it(`${name} on 「診断スタート」 starts exactly one scan`, async (t) => {
      if (!ready(t)) return;
      const e = env!;
      const session = await open({ js });
      const { page } = session;
      try {
        await toConfirm(session, SAFE_PORTS);
        const scans = e.server.count('scans');
        const posts: string[] = [];
        page.on('request', (r) => {
          if (r.method() === 'POST' && new URL(r.url()).pathname === '/start') posts.push(r.url());
        });
        const button = page.locator('form[action="/start"] button');
        assert.equal((await button.textContent())?.trim(), '診断スタート');
        if (click === 'dblclick') {
          await button.dblclick();
        } else {
          // Two trusted clicks, the second before the first one's navigation has committed.
          const box = (await button.boundingBox())!;
          const x = box.x + box.width / 2;
          const y = box.y + box.height / 2;
          await page.mouse.click(x, y);
          await page.mouse.click(x, y);
        }
        // Not waitForURL: without JavaScript the second submission aborts the first navigation.
        await waitFor('the result page', async () =>
          /\/r\/[^/?]+$/.test(page.url()) ? true : undefined,
        );
        await page.waitForLoadState('load');
        const id = resultId(page);
        const verdict = await waitForVerdict(page);
        assert.equal(
          verdict,
          'safe',
          `landed on the result, not an error page (${await heading(page)})`,
        );
        await settle();
        assert.equal(e.server.count('scans'), scans + 1, 'exactly one scan');
        assert.deepEqual(e.server.scanIds().slice(-1), [id]);
        // With JavaScript the page sends the form once; without, the browser may send it twice
        // and the server answers the second with the first one's result.
        t.diagnostic(`POST /start sent ${posts.length}×`);
        if (js) assert.equal(posts.length, 1, 'the page sent the form once');
      } finally {
        await session.close();
        await e.server.waitIdle();
      }
    });
  }
});
