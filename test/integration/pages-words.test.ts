// The pages as a Japanese (and an English) user reads them, rendered by the real service through
// inject (issue 9): no English catalog string or sentence on a Japanese page; the verdict says
// what was tested (loopback: this machine itself, not the internet's view); every browser request
// for a missing URL gets the not-found page, the API the envelope; /terms; delete behind a
// confirmation, POST → 303 → /deleted; one time estimate on the choose and confirm pages.
// Results are written to the store directly: no probe is sent by this file.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Service, startService } from '../../src/bin/start-service.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { AddressClass } from '../../src/core/address.js';
import { CATALOG, CATALOG_VERSION, SHARED_STEPS } from '../../src/core/catalog.js';
import type { PortResult, Verdict } from '../../src/core/port-state.js';
import { type Lang, MESSAGES } from '../../src/web/i18n/index.js';
import { viewOf } from '../../src/web/views/address-view.js';
import { durationEstimate } from '../../src/web/views/duration.js';
import { englishCatalogStringsIn, englishRunsIn, visibleText } from '../helpers/page-words.js';

const TCP_PORTS = [...new Set(CATALOG.filter((e) => e.protocol === 'tcp').map((e) => e.port))].sort(
  (a, b) => a - b,
);

let service: Service;
let config: Config;
let seq = 0;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-words-'));
  config = loadConfig({
    SELFSCAN_MODE: 'local',
    SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
  });
  service = await startService(config);
});
after(() => service.close());

/** A finished (or running) scan written straight into the store; returns its id. */
async function seedScan(o: {
  addressClass: AddressClass;
  results: Omit<PortResult, 'protocol'>[];
  status?: 'running' | 'done' | 'failed';
  verdict?: Verdict | null;
  planned?: number[];
}): Promise<string> {
  seq++;
  const id = `words-scan-${seq}-${'x'.repeat(24)}`;
  const now = Date.now();
  const planned = o.planned ?? o.results.map((r) => r.port);
  await service.store.createScan({
    id,
    code: `W${String(seq).padStart(2, '0')}-AAA-AAA`,
    requesterKey: `words-${seq}`,
    address: o.addressClass === 'loopback' ? '127.0.0.1' : '192.0.2.1',
    addressHash: null,
    family: 4,
    addressClass: o.addressClass,
    ports: planned.map((port) => ({ port, protocol: 'tcp' as const })),
    label: null,
    termsVersion: 'test',
    catalogVersion: CATALOG_VERSION,
    vantage: 'default',
    createdAt: now,
  });
  await service.store.markRunning(id, now);
  for (const r of o.results) await service.store.appendResult(id, { ...r, protocol: 'tcp' });
  if ((o.status ?? 'done') !== 'running')
    await service.store.finishScan(id, {
      status: o.status === 'failed' ? 'failed' : 'done',
      verdict: o.status === 'failed' ? null : (o.verdict ?? 'safe'),
      ...(o.status === 'failed'
        ? { error: { code: 'interrupted', message: 'The service restarted.' } }
        : {}),
      finishedAt: now + 1000,
    });
  return id;
}

const open = (port: number) => ({
  port,
  state: 'open' as const,
  reason: 'syn-ack' as const,
  ms: 3,
});
const closed = (port: number) => ({
  port,
  state: 'closed' as const,
  reason: 'refused' as const,
  ms: 1,
});

async function get(url: string, lang: Lang, headers: Record<string, string> = {}) {
  return service.app.inject({
    method: 'GET',
    url,
    headers: {
      accept: 'text/html,application/xhtml+xml',
      cookie: `selfscan_lang=${lang}; selfscan_consent=seen`,
      ...headers,
    },
  });
}

function assertJapaneseThroughout(where: string, html: string) {
  const text = visibleText(html);
  assert.deepEqual(englishCatalogStringsIn(text), [], `${where}: English catalog strings`);
  assert.deepEqual(englishRunsIn(text), [], `${where}: English phrases`);
}

describe('a Japanese page is Japanese throughout (rendered pages scanned)', () => {
  it('every page of the flow, with every catalog port, every state and reason', async () => {
    const everyOpen = await seedScan({
      addressClass: 'global',
      results: TCP_PORTS.map(open),
      verdict: 'exposed',
    });
    const mixed = await seedScan({
      addressClass: 'private',
      results: [
        open(445),
        closed(139),
        { port: 22, state: 'filtered', reason: 'timeout' as const, ms: 1500 },
        { port: 23, state: 'filtered', reason: 'host-unreachable' as const, ms: 2 },
        { port: 3389, state: 'error', reason: 'local-egress-blocked' as const, ms: 0 },
        { port: 5900, state: 'error', reason: 'local-EMFILE' as const, ms: 0 },
      ],
      verdict: 'exposed',
    });
    const running = await seedScan({
      addressClass: 'loopback',
      results: [open(22)],
      status: 'running',
      planned: [22, 23, 445],
    });
    const failed = await seedScan({ addressClass: 'cgnat', results: [], status: 'failed' });
    const pages = [
      '/',
      '/terms',
      '/privacy',
      '/stats',
      '/choose',
      `/choose?preset=custom&${TCP_PORTS.map((p) => `ports=${p}`).join('&')}`,
      `/confirm?preset=custom&${TCP_PORTS.map((p) => `ports=${p}`).join('&')}`,
      '/confirm?preset=service',
      '/confirm?preset=all',
      `/r/${everyOpen}`,
      `/r/${mixed}`,
      `/r/${running}`,
      `/r/${failed}`,
      `/r/${mixed}/delete`,
      '/deleted',
      '/nonexistent',
      '/r/no-such-result',
    ];
    for (const url of pages) {
      const res = await get(url, 'ja');
      assert.match(res.headers['content-type'] as string, /text\/html/, url);
      assert.match(res.body, /<html lang="ja"/, url);
      assertJapaneseThroughout(url, res.body);
    }
    // The checker itself finds English: the same pages in English are full of it.
    const en = visibleText((await get(`/r/${everyOpen}`, 'en')).body);
    assert.ok(englishCatalogStringsIn(en).length > 50, 'the checker sees English catalog strings');
    assert.ok(englishRunsIn(en).length > 10, 'the checker sees English phrases');
  });

  it('a reason the scanner could not test (local-*) reads the same in both languages', async () => {
    const id = await seedScan({
      addressClass: 'global',
      results: [{ port: 445, state: 'error', reason: 'local-egress-blocked' as const, ms: 0 }],
      verdict: 'incomplete',
    });
    for (const lang of ['ja', 'en'] as const) {
      const text = visibleText((await get(`/r/${id}`, lang)).body);
      assert.ok(
        text.includes(MESSAGES[lang].result.reason('local-egress-blocked', 0).split(' ')[0]!),
      );
      assert.ok(!text.includes('local-egress-blocked'), `${lang}: the code itself is not shown`);
    }
  });
});

describe('an IPv6 link-local requester (local mode)', () => {
  it('is told why in its language, not "only global addresses"', async () => {
    for (const lang of ['ja', 'en'] as const) {
      const res = await service.app.inject({
        method: 'GET',
        url: '/',
        remoteAddress: 'fe80::1',
        headers: { accept: 'text/html', cookie: `selfscan_lang=${lang}` },
      });
      const text = visibleText(res.body);
      assert.ok(text.includes(MESSAGES[lang].landing.notAllowedLinkLocal), `${lang}: ${text}`);
      assert.ok(!text.includes(MESSAGES[lang].landing.notAllowedBody), `${lang}: no "global only"`);
    }
  });
});

describe('a diagnosis that stopped early', () => {
  it('says why in the page’s language and counts the never-probed ports as not tested', async () => {
    const id = await seedScan({
      addressClass: 'global',
      planned: [21, 22, 23, 25, 80, 135, 139, 445, 3389, 5900],
      results: [closed(21), closed(22), closed(23)],
      status: 'failed',
    });
    const ja = visibleText((await get(`/r/${id}`, 'ja')).body);
    assert.ok(ja.includes(MESSAGES.ja.result.failedReasons.interrupted!), ja);
    assert.ok(!ja.includes('The service restarted.'), 'no English failure message on the ja page');
    assert.ok(ja.includes(MESSAGES.ja.result.counts(0, 3, 0, 7)), 'seven ports never probed');
    const en = visibleText((await get(`/r/${id}`, 'en')).body);
    assert.ok(en.includes(MESSAGES.en.result.counts(0, 3, 0, 7)));
    assert.ok(en.includes(MESSAGES.en.result.failedReasons.interrupted!));
  });
});

describe('the verdict says what was tested', () => {
  const classes: AddressClass[] = ['global', 'cgnat', 'private', 'loopback', 'reserved'];
  for (const lang of ['ja', 'en'] as const)
    for (const addressClass of classes)
      it(`${lang}, ${addressClass}: headline and summary of an exposed and a safe result`, async () => {
        const words = MESSAGES[lang].result.byView[viewOf(addressClass)];
        for (const verdict of ['exposed', 'safe'] as const) {
          const id = await seedScan({
            addressClass,
            results: verdict === 'exposed' ? [open(445), closed(22)] : [closed(445)],
            verdict,
          });
          const text = visibleText((await get(`/r/${id}`, lang)).body);
          assert.ok(text.includes(words.headline[verdict]), `${verdict} headline`);
          assert.ok(text.includes(words.summary[verdict]), `${verdict} summary`);
          const internet = MESSAGES[lang].result.byView.internet;
          if (addressClass !== 'global') {
            assert.ok(!text.includes(internet.summary[verdict]), 'no claim of the internet view');
            assert.ok(!text.includes(internet.headline.exposed));
          }
        }
      });

  it('loopback (the quick start): "this machine itself, not the internet’s view", on the landing page too', async () => {
    const id = await seedScan({
      addressClass: 'loopback',
      results: [open(445), open(22)],
      verdict: 'exposed',
    });
    const ja = visibleText((await get(`/r/${id}`, 'ja')).body);
    assert.ok(
      ja.includes(
        'このマシン自身で接続できるポートがあります（インターネットから見た状態ではありません）',
      ),
    );
    assert.ok(!ja.includes('インターネットから接続できるポートがあります'));
    // The advice both open ports share, once, worded for several ports.
    const router = SHARED_STEPS.find((x) => x.id === 'router')!;
    assert.equal(ja.split(router.listed.ja).length, 2, 'router step once, for these ports');
    assert.ok(!ja.includes(router.ja), 'not the single-port wording');
    const en = visibleText((await get(`/r/${id}`, 'en')).body);
    assert.ok(en.includes('Ports reachable on this machine itself (not the internet’s view)'));
    // inject comes from 127.0.0.1: the landing page says what will be tested.
    for (const lang of ['ja', 'en'] as const) {
      const landing = visibleText((await get('/', lang)).body);
      assert.ok(landing.includes(MESSAGES[lang].result.addressClass.loopback), `${lang} landing`);
    }
  });
});

describe('one not-found page for browsers, the envelope for the API', () => {
  for (const lang of ['ja', 'en'] as const)
    it(`${lang}: /nonexistent, /favicon.ico, /r/<bad>, and the API`, async () => {
      const t = MESSAGES[lang];
      const page = await get('/nonexistent', lang);
      assert.equal(page.statusCode, 404);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.ok(page.body.includes(t.errors.pageNotFound));
      const result = await get('/r/no-such-result', lang);
      assert.equal(result.statusCode, 404);
      assert.ok(result.body.includes(t.errors.notFound));
      const icon = await get('/favicon.ico', lang, { accept: 'image/*' });
      assert.equal(icon.statusCode, 301);
      assert.match(icon.headers.location as string, /^\/assets\/icon\.[0-9a-f]+\.svg$/);
      const api = await get('/nonexistent', lang, { accept: 'application/json' });
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().error.code, 'not_found');
      const apiHtml = await get('/api/v1/nothing', lang);
      assert.equal(apiHtml.statusCode, 404, 'an API path with Accept: text/html');
      assert.equal(apiHtml.json().error.code, 'not_found');
    });
});

describe('terms page', () => {
  for (const lang of ['ja', 'en'] as const)
    it(`${lang}: /terms shows the terms and their version, linked from the landing page and every footer; privacy is a link`, async () => {
      const t = MESSAGES[lang];
      const terms = await get('/terms', lang);
      assert.equal(terms.statusCode, 200);
      const text = visibleText(terms.body);
      assert.ok(text.includes(t.termsPage.version(config.termsVersion)), 'version shown');
      for (const line of t.landing.terms)
        assert.ok(text.includes(line.split('{privacy}')[0]!.trim()), `term: ${line.slice(0, 20)}`);
      assert.match(terms.body, new RegExp(`<a href="/privacy">${t.landing.privacyLink}</a>`));
      const landing = (await get('/', lang)).body;
      assert.match(landing, /<main[\s\S]*href="\/terms"[\s\S]*<\/main>/, 'linked from the landing');
      assert.match(
        landing,
        /<footer[\s\S]*href="\/terms"[\s\S]*<\/footer>/,
        'linked from the footer',
      );
      assert.match(landing, new RegExp(`<a href="/privacy">${t.landing.privacyLink}</a>`));
    });
});

describe('delete: confirmation, POST → redirect → GET', () => {
  /** A form token and the cookies it is bound to (from the page that carries the form). */
  async function formToken(url: string) {
    const res = await get(url, 'ja');
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    assert.ok(token, `${url} has a form token`);
    const cookies = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    return { token, cookies };
  }

  it('the result links to a confirmation page; only its form deletes; the page after is neutral and reloadable', async () => {
    const t = MESSAGES.ja;
    const id = await seedScan({ addressClass: 'global', results: [closed(445)], verdict: 'safe' });
    const result = await get(`/r/${id}`, 'ja');
    assert.match(result.body, new RegExp(`<a class="button danger" href="/r/${id}/delete">`));
    assert.doesNotMatch(
      result.body,
      /<form[^>]+action="\/r\/[^"]+\/delete"/,
      'no one-click delete',
    );

    const confirm = await get(`/r/${id}/delete`, 'ja');
    assert.equal(confirm.statusCode, 200);
    assert.ok(confirm.body.includes(t.result.deleteConfirm.title));
    assert.ok(await service.store.getScan(id), 'showing the confirmation deletes nothing');

    const { token, cookies } = await formToken(`/r/${id}/delete`);
    const post = await service.app.inject({
      method: 'POST',
      url: `/r/${id}/delete`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      payload: `_csrf=${encodeURIComponent(token)}`,
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, '/deleted');
    assert.equal(await service.store.getScan(id), undefined);

    for (const attempt of [1, 2]) {
      const deleted = await get('/deleted', 'ja');
      assert.equal(deleted.statusCode, 200, `reload ${attempt}`);
      const text = visibleText(deleted.body);
      assert.ok(text.includes(t.result.deleted.title));
      assert.ok(!text.includes(t.result.deleteNote), 'no "anyone can see it until deleted"');
      assert.doesNotMatch(deleted.body, /notice error/, 'not styled as an error');
    }
    assert.equal((await get(`/r/${id}`, 'ja')).statusCode, 404);
  });
});

describe('time estimates: one figure on the choose and the confirm page', () => {
  for (const lang of ['ja', 'en'] as const)
    it(`${lang}: each preset's estimate on /choose equals the one on its /confirm`, async () => {
      const t = MESSAGES[lang];
      const choose = visibleText((await get('/choose', lang)).body);
      const { probe } = config;
      for (const [preset, n] of [
        ['core', 17],
        ['service', 1055],
        ['all', 65_535],
      ] as const) {
        const { fast, slow } = durationEstimate(n, probe);
        const words = t.duration(fast, slow);
        assert.ok(choose.includes(words), `${preset} on /choose: ${words}`);
        const confirm = visibleText((await get(`/confirm?preset=${preset}`, lang)).body);
        assert.ok(confirm.includes(words), `${preset} on /confirm`);
      }
      // 65 535 ports never "a few seconds" when nothing answers.
      const all = durationEstimate(65_535, probe);
      assert.ok(all.slow >= 120, `1–65535 silent: ${all.slow} s`);
    });
});

// Shared steps exist (else the shared block could never appear).
assert.ok(SHARED_STEPS.length >= 4);
