// The organisation flow in Debian's chromium (issue 11): the first operator is created with
// `selfscan admin create` (password on stdin); in a browser in the root namespace the operator
// signs in, creates an organisation, a diagnosis link and a webhook; a user's browser in the
// lab's target namespace (TCP/445 open there) opens the link, is told the result goes to the
// organisation, gives a label and diagnoses itself; the dashboard shows the diagnosis, the
// webhook fires, the CSV has it; a managed PC in the same namespace runs
// `selfscan check --org-token` and appears too. Screenshots of the dashboard in ja and en.
//
// Needs root and /usr/bin/chromium (skips loudly otherwise, fails under CI=true).
// Traffic: the lab's addresses (198.18.0.0/15) and a webhook receiver on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  choosePorts,
  e2eEnvForFile,
  formatViolations,
  launchBrowser,
  runAxe,
  saveScreenshot,
  startDiagnosis,
  waitFor,
  waitForVerdict,
} from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/lab.js';

const CLI = join(REPO_ROOT, 'bin', 'selfscan.mjs');
const EMAIL = 'operator@example.org';
const PASSWORD = 'e2e operator password';

const hooks: string[] = [];
let receiver: http.Server;
let receiverPort = 0;

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hooks.push(body);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});
after(() => new Promise((r) => receiver.close(r)));

const env = e2eEnvForFile({
  SELFSCAN_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
  SELFSCAN_ALERT_RETRY_BASE_MS: '200',
});

/** No serious or critical axe violation on the page (as test/e2e/a11y.test.ts requires). */
async function assertAccessible(page: Page, where: string) {
  const blocking = (await runAxe(page)).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  assert.equal(blocking.length, 0, formatViolations(where, blocking));
}

function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: 90_000, env: { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8', ...options.env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

describe('organisation dashboard in chromium', () => {
  it('admin create → org, link → a user diagnoses through it → dashboard, webhook, CSV, managed PC', async (t) => {
    if (!env.ready(t)) return;
    const { lab, server } = env.get();
    const origin = server.origin;

    // The first operator: no default password, read from standard input.
    const noPassword = await run(process.execPath, [CLI, 'admin', 'create', '--email', EMAIL], {
      env: { SELFSCAN_DATABASE_URL: `sqlite:${server.dbFile}` },
    });
    assert.equal(noPassword.code, 64, noPassword.stderr);
    const created = await run(process.execPath, [CLI, 'admin', 'create', '--email', EMAIL], {
      env: { SELFSCAN_DATABASE_URL: `sqlite:${server.dbFile}` },
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(created.code, 0, created.stderr);

    const admin = await launchBrowser({ netns: null, locale: 'ja-JP' });
    const user = await launchBrowser({ netns: lab.targetNs, locale: 'ja-JP' });
    try {
      const a = admin.page;
      await a.goto(`${origin}/admin`);
      assert.match((await a.locator('h1').textContent()) ?? '', /ログイン/);
      await assertAccessible(a, 'sign-in (ja)');
      await a.fill('#email', EMAIL);
      await a.fill('#password', PASSWORD);
      await Promise.all([
        a.waitForURL(`${origin}/admin`),
        a.click('form[action="/admin/login"] button'),
      ]);
      await a.fill('#name', '株式会社サンプル');
      await Promise.all([
        a.waitForURL(/\/admin\/orgs\/[^/]+$/),
        a.click('form[action="/admin/orgs"] button'),
      ]);
      const orgPath = new URL(a.url()).pathname;

      await a.goto(`${origin}${orgPath}/settings`);
      await a.fill('#webhookUrl', `http://127.0.0.1:${receiverPort}/hook`);
      await Promise.all([
        a.waitForURL(/saved=1/),
        a.click('form[action$="/settings"] button[type="submit"]'),
      ]);

      await a.goto(`${origin}${orgPath}/links`);
      await a.fill('#name', 'ノートPC');
      await a.check('#lm-required');
      await Promise.all([
        a.waitForURL(/\/links$/),
        a.click('form[action$="/links"] button[type="submit"]'),
      ]);
      const link = ((await a.locator('code.link-url').first().textContent()) ?? '').trim();
      assert.match(link, /\/o\/[A-Za-z0-9_-]{43}$/);

      // The user, in the target namespace: told first, then consents, then diagnoses.
      const u = user.page;
      await u.goto(link);
      assert.match(
        (await u.locator('[data-testid="shared-with"]').textContent()) ?? '',
        /株式会社サンプル/,
      );
      await assertAccessible(u, 'diagnosis link (ja)');
      await u.fill('#label', 'PC-0042');
      await u.check('#accept');
      await Promise.all([
        u.waitForURL(/\/choose(\?|$)/),
        u.click('form[action*="/o/"] button[type="submit"]'),
      ]);
      await choosePorts(u, [22, 445, 23]);
      await startDiagnosis(u);
      assert.equal(await waitForVerdict(u), 'exposed');

      // The dashboard shows it (the per-port chart and table too), in both languages.
      await a.goto(`${origin}${orgPath}?lang=ja`);
      await waitFor('the diagnosis on the dashboard', async () => {
        await a.reload();
        return (await a.locator('[data-testid="diagnoses"]').count()) > 0 ? true : undefined;
      });
      const table = (await a.locator('[data-testid="diagnoses"]').textContent()) ?? '';
      assert.match(table, /PC-0042/);
      assert.match(table, /TCP\/445/);
      assert.match(table, /危険あり/);
      assert.equal(await a.locator('svg.chart').count(), 1);

      const hook = await waitFor('the webhook', async () =>
        hooks.find((h) => h.includes('PC-0042')),
      );
      assert.deepEqual(JSON.parse(hook).diagnosis.openPorts, [22, 445]);

      const csv = await a.evaluate(
        async (url) => (await fetch(url)).text(),
        `${origin}${orgPath}/diagnoses.csv`,
      );
      assert.match(
        csv,
        new RegExp(`PC-0042,done,exposed,${lab.targetV4.replace(/\./g, '\\.')},4,`),
      );

      // A managed PC in the same namespace reports in with a report token.
      await a.goto(`${origin}${orgPath}/tokens`);
      await a.fill('#name', '管理PC');
      await a.click('form[action$="/tokens"] button[type="submit"]');
      const token = ((await a.locator('[data-testid="new-token"]').textContent()) ?? '').trim();
      const pc = await run('ip', [
        'netns',
        'exec',
        lab.targetNs,
        process.execPath,
        CLI,
        'check',
        '--server',
        origin,
        '--org-token',
        token,
        '--ports',
        '445,23',
        '--label',
        'managed-01',
        '--json',
      ]);
      assert.equal(pc.code, 1, pc.stderr); // exposed
      assert.equal(JSON.parse(pc.stdout).address, lab.targetV4);

      await a.goto(`${origin}${orgPath}?lang=ja`);
      assert.match(
        (await a.locator('[data-testid="diagnoses"]').textContent()) ?? '',
        /managed-01/,
      );
      await assertAccessible(a, 'dashboard (ja)');
      await saveScreenshot(a, 'admin-dashboard-ja');
      await a.goto(`${origin}${orgPath}?lang=en`);
      assert.match((await a.locator('[data-testid="diagnoses"]').textContent()) ?? '', /Exposed/);
      await assertAccessible(a, 'dashboard (en)');
      await saveScreenshot(a, 'admin-dashboard-en');
    } finally {
      await user.close();
      await admin.close();
    }
  });
});
