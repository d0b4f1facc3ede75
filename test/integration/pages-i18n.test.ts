// Pages speak the user's language all the way down: the "not allowed" notice and the 403 pages
// carry no English API sentence on a Japanese page (and the other way round).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import { en } from '../../src/web/i18n/en.js';
import { ja } from '../../src/web/i18n/ja.js';

describe('pages in public mode, requester not allowed', () => {
  let service: Service;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-pages-'));
    service = await startService(
      loadConfig({
        SELFSCAN_MODE: 'public',
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_IP_STORAGE: 'truncate',
        SELFSCAN_CANARY: '127.0.0.1:1',
        // Checked on loopback (every port refused, so every port reads blocked): these pages
        // refuse the requester before any egress question arises.
        SELFSCAN_EGRESS_REFERENCE: '127.0.0.1',
        SELFSCAN_TICKET_KEY: 't'.repeat(32),
      }),
    );
  });
  after(() => service.close());

  for (const [lang, t] of [
    ['ja', ja],
    ['en', en],
  ] as const) {
    it(`${lang}: the landing page explains, in ${lang}, why a loopback requester is refused`, async () => {
      const res = await service.app.inject({ method: 'GET', url: `/?lang=${lang}` });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, new RegExp(t.landing.notAllowedTitle));
      assert.ok(
        res.body.includes(t.result.addressClass.loopback.replace(/’/g, '&#8217;')) ||
          res.body.includes(t.result.addressClass.loopback),
      );
      assert.doesNotMatch(res.body, /This service only tests addresses on the public internet/);
      assert.doesNotMatch(res.body, /name="accept"/, 'no consent form for a refused requester');
    });

    it(`${lang}: a form without its CSRF token gets a 403 page in ${lang}`, async () => {
      const res = await service.app.inject({
        method: 'POST',
        url: '/accept',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `selfscan_lang=${lang}`,
        },
        payload: 'accept=yes',
      });
      assert.equal(res.statusCode, 403);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.ok(res.body.includes(t.errors.forbiddenBody.origin));
      assert.doesNotMatch(res.body, /Requests from other sites|form token/);
    });
  }
});
