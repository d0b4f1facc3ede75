// /stats in Debian's chromium, Japanese and English, desktop and 375 px: axe finds nothing serious
// or critical, no horizontal scroll on a phone, the period selector works without JavaScript,
// the figures on the page are the API's; screenshots to docs/screenshots/stats-*.png.
// The database is filled by scripts/seed-stats.ts (invented results, no traffic at all); the
// server listens on 127.0.0.1 and chromium runs in the root namespace (loopback only).
// Needs /usr/bin/chromium (skips loudly otherwise, fails under CI=true).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertJapaneseGlyphs,
  browserSupport,
  formatViolations,
  launchBrowser,
  requireBrowser,
  runAxe,
  saveScreenshot,
  scrollWidth,
} from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/lab.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const BLOCKING = new Set(['serious', 'critical']);

describe('/stats in chromium', { concurrency: false }, () => {
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  before(async () => {
    if (!browserSupport().ok) return;
    dir = mkdtempSync(join(tmpdir(), 'selfscan-stats-e2e-'));
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/seed-stats.ts',
        '--database-url',
        `sqlite:${join(dir, 'db.sqlite')}`,
        '--count',
        '2000',
        '--weeks',
        '4',
      ],
      { cwd: REPO_ROOT, stdio: 'ignore', timeout: 120_000 },
    );
    server = await startServerProcess({
      host: '127.0.0.1',
      dbDir: dir,
      env: { SELFSCAN_MODE: 'local', SELFSCAN_LOG_LEVEL: 'warn' },
    });
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: axe clean, fits 375 px, same figures as the API, screenshots`, {
      timeout: 120_000,
    }, async (t) => {
      if (!requireBrowser(t) || !server) return;
      const api = (await (await fetch(`${server.baseUrl}/api/v1/stats`)).json()) as {
        diagnoses: number | null;
      };
      assert.equal(api.diagnoses, 2000);
      for (const [width, kind] of [
        [1280, 'desktop'],
        [375, 'mobile'],
      ] as const) {
        const session = await launchBrowser({
          netns: null,
          locale: lang === 'ja' ? 'ja-JP' : 'en-US',
          viewport: { width, height: width < 600 ? 812 : 900 },
          // axe runs as a script in the page; the desktop run below checks the form without JS
        });
        try {
          const { page } = session;
          await page.goto(`${server.baseUrl}/stats?lang=${lang}`);
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          assert.equal(
            (await page.textContent('[data-testid="stats-diagnoses"]'))?.trim(),
            (2000).toLocaleString('en-US'),
          );
          assert.equal(await page.locator('svg.chart').count(), 2);
          if (lang === 'ja') await assertJapaneseGlyphs(page);
          const violations = (await runAxe(page)).filter((v) => BLOCKING.has(v.impact ?? ''));
          assert.deepEqual(violations, [], formatViolations(`/stats ${lang} ${kind}`, violations));
          if (kind === 'mobile')
            assert.ok((await scrollWidth(page)) <= width, `horizontal scroll at ${width} px`);
          await saveScreenshot(page, `stats-${lang}-${kind}`);
        } finally {
          await session.close();
        }
      }
    });
  }

  it('the period selector works without JavaScript', { timeout: 60_000 }, async (t) => {
    if (!requireBrowser(t) || !server) return;
    const session = await launchBrowser({ netns: null, locale: 'en-US', javaScriptEnabled: false });
    try {
      const { page } = session;
      await page.goto(`${server.baseUrl}/stats`);
      await page.selectOption('#weeks', '4');
      await Promise.all([
        page.waitForURL(/\/stats\?weeks=4$/),
        page.locator('form.period button').click(),
      ]);
      assert.equal(await page.locator('#weeks').inputValue(), '4');
      assert.match(
        (await page.textContent('[data-testid="stats-range"]')) ?? '',
        /\d{4}-\d\d-\d\d/,
      );
    } finally {
      await session.close();
    }
  });
});
