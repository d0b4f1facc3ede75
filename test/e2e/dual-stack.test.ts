// Both stacks in one diagnosis, in a real browser (issue 15): chromium inside the lab's target
// namespace (an IPv4 and an IPv6 address, 445 dropped on IPv4 only, 3389 dropped on IPv6 only)
// opens the main origin; the family origins are host names mapped by --host-resolver-rules to the
// lab scanner's IPv4 and IPv6 address, where this process's service answers. With JavaScript the
// confirm page asks both origins and one diagnosis tests both families; the result shows each
// family's verdict and the overall one, in Japanese and English, axe-clean; screenshots go to
// docs/screenshots/. Without JavaScript the confirm page offers the two family links.
// Needs root and chromium (skips loudly otherwise, fails under CI=true).
//
// Traffic: only to the lab's addresses (198.18.0.0/15, 2001:2::/48) inside namespaces it creates.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import {
  browserSupport,
  diagnose,
  formatViolations,
  launchBrowser,
  requireBrowser,
  runAxe,
  saveScreenshot,
} from '../helpers/browser.js';
import { createLab, type Lab, labSupport, requireLab } from '../helpers/lab.js';
import { freePort } from '../helpers/server-process.js';

const LISTEN = [22, 445, 3389];
const PORTS = [22, 23, 445, 3389];

describe('dual-stack diagnosis in chromium (lab, --host-resolver-rules)', {
  concurrency: false,
}, () => {
  let lab: Lab | undefined;
  let service: Service | undefined;
  let v6Server: http.Server | undefined;
  let dir = '';
  let port = 0;
  const main = () => `http://selfscan.test:${port}`;
  const rules = () =>
    `--host-resolver-rules=MAP selfscan.test ${lab!.scannerV4}, MAP v4.selfscan.test ${lab!.scannerV4}, MAP v6.selfscan.test [${lab!.scannerV6}]`;

  before(async () => {
    if (!labSupport().ok || !browserSupport().ok) return;
    lab = await createLab({ delayMs: 1 });
    await lab.listen(LISTEN);
    await lab.addTargetInputRule('meta nfproto ipv4 tcp dport 445 drop');
    await lab.addTargetInputRule('meta nfproto ipv6 tcp dport 3389 drop');
    port = await freePort(lab.scannerV4);
    dir = mkdtempSync(join(tmpdir(), 'selfscan-e2e-dual-'));
    service = await startService(
      loadConfig({
        SELFSCAN_MODE: 'local',
        SELFSCAN_HOST: lab.scannerV4,
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_PUBLIC_ORIGIN: `http://selfscan.test:${port}`,
        SELFSCAN_V4_ORIGIN: `http://v4.selfscan.test:${port}`,
        SELFSCAN_V6_ORIGIN: `http://v6.selfscan.test:${port}`,
        SELFSCAN_CONCURRENCY_PER_TARGET: '4',
        SELFSCAN_PROBE_TIMEOUT_MIN_MS: '250',
        SELFSCAN_LOG_LEVEL: 'warn',
        SELFSCAN_SHUTDOWN_TIMEOUT_MS: '2000',
      }),
    );
    await service.app.listen({ host: lab.scannerV4, port });
    v6Server = http.createServer((req, res) => service!.app.routing(req, res));
    await new Promise<void>((resolve, reject) => {
      v6Server!.once('error', reject);
      v6Server!.listen({ host: lab!.scannerV6, port }, resolve);
    });
  });
  after(async () => {
    await new Promise((resolve) => (v6Server ? v6Server.close(resolve) : resolve(undefined)));
    await service?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: one diagnosis tests both families; per-family and overall verdicts; axe clean`, {
      timeout: 120_000,
    }, async (t) => {
      if (!requireLab(t) || !requireBrowser(t) || !lab) return;
      const session = await launchBrowser({
        netns: lab.targetNs,
        locale: lang === 'ja' ? 'ja-JP' : 'en-US',
        args: [rules()],
      });
      try {
        const problems: string[] = [];
        await diagnose(session, main(), PORTS, async (name, page) => {
          if (name === 'confirm' || name === 'result') {
            const v = await runAxe(page);
            const serious = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
            if (serious.length > 0) problems.push(formatViolations(`${lang} ${name}`, serious));
          }
        });
        const { page } = session;
        const target = (f: 4 | 6) => page.locator(`[data-testid="target-${f}"]`);
        assert.equal(await target(4).getAttribute('data-verdict'), 'exposed');
        assert.equal(await target(6).getAttribute('data-verdict'), 'exposed');
        assert.match(
          (await target(4).textContent()) ?? '',
          new RegExp(lab.targetV4.replace(/\./g, '\\.')),
        );
        assert.match((await target(6).textContent()) ?? '', new RegExp(lab.targetV6));
        assert.equal(
          await page.locator('[data-testid="overall"]').getAttribute('data-verdict'),
          'exposed',
        );
        const state = (id: string) => page.locator(`#${id}`).getAttribute('data-state');
        assert.equal(await state('row-4-445'), 'filtered');
        assert.equal(await state('row-6-445'), 'open');
        assert.equal(await state('row-4-3389'), 'open');
        assert.equal(await state('row-6-3389'), 'filtered');
        assert.match(
          (await page.locator('[data-testid="per-family"]').textContent()) ?? '',
          lang === 'ja' ? /アドレスの種類ごとの結果/ : /Result per address family/,
        );
        assert.deepEqual(problems, [], problems.join('\n'));
        await saveScreenshot(page, `result-dualstack-${lang}-desktop`);
        await page.setViewportSize({ width: 375, height: 800 });
        await saveScreenshot(page, `result-dualstack-${lang}-mobile`);
      } finally {
        await session.close();
      }
    });
  }

  it('without JavaScript: the confirm page offers the two family links; the diagnosis still works', {
    timeout: 120_000,
  }, async (t) => {
    if (!requireLab(t) || !requireBrowser(t) || !lab) return;
    const session = await launchBrowser({
      netns: lab.targetNs,
      locale: 'en-US',
      javaScriptEnabled: false,
      args: [rules()],
    });
    try {
      let links: (string | null)[] = [];
      await diagnose(
        session,
        main(),
        PORTS,
        async (name, page) => {
          if (name === 'confirm')
            links = await Promise.all(
              [4, 6].map((f) =>
                page.locator(`[data-testid="family-link-${f}"]`).getAttribute('href'),
              ),
            );
        },
        { js: false },
      );
      assert.deepEqual(links, [
        `http://v4.selfscan.test:${port}/?lang=en`,
        `http://v6.selfscan.test:${port}/?lang=en`,
      ]);
      const { page } = session;
      // Only the address the page came from was tested; IPv6 is said not tested, never safe.
      assert.equal(
        await page.locator('[data-testid="target-4"]').getAttribute('data-verdict'),
        'exposed',
      );
      assert.equal(
        await page.locator('[data-testid="target-6"]').getAttribute('data-status'),
        'not_tested',
      );
      // The IPv6 link opens the whole flow over IPv6: the service sees the IPv6 address.
      await page.goto(links[1]!);
      assert.match(await page.content(), new RegExp(lab.targetV6));
    } finally {
      await session.close();
    }
  });
});
