// What the service keeps of a requester's address, against what /privacy says, per
// SELFSCAN_IP_STORAGE. A real diagnosis from a lab namespace (its own 198.18.0.0/15 and
// 2001:2::/48 addresses) to the real server process (src/bin/server.ts, JSON logs); then every
// spelling of the requester's address — dotted, decimal integer, hex, IPv4-mapped IPv6 for IPv4;
// compressed, expanded and upper-case for IPv6 — is searched in the database files (with its
// WAL), the server's logs and the exports (the scan JSON, /api/v1/me, /api/v1/stats, its CSV).
// hmac and truncate: found nowhere. clear: found in the database (the search works). Needs root
// (loud SKIPPED otherwise; a failure under CI=true).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import { createLab, httpClientCommand, type Lab, labSupport, requireLab } from '../helpers/lab.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const OPEN = 2222;
const CLOSED = 2223;
const RETENTION_DAYS = 9;
const HMAC_KEY = 'test-only-key-'.padEnd(44, 'x');

/** Every spelling of an address a search should catch (lower case; the search ignores case). */
export function spellings(address: string): string[] {
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') {
    const o = (ip as ipaddr.IPv4).octets;
    const n = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
    const hex = n.toString(16).padStart(8, '0');
    return [
      address,
      String(n),
      hex,
      `0x${hex}`,
      o.map((x) => `0x${x.toString(16).padStart(2, '0')}`).join('.'),
      `::ffff:${address}`,
      `::ffff:${hex.slice(0, 4).replace(/^0+(?=.)/, '')}:${hex.slice(4).replace(/^0+(?=.)/, '')}`,
    ];
  }
  const v6 = ip as ipaddr.IPv6;
  const full = v6.parts.map((p) => p.toString(16).padStart(4, '0')).join(':');
  return [v6.toRFC5952String(), full, v6.toNormalizedString()];
}

/** Which spellings occur in `text` (case-insensitive). */
export function found(text: string, words: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return words.filter((w) => lower.includes(w.toLowerCase()));
}

/** The SQLite database as bytes (main file, WAL and shared memory), read as latin1 text. */
function databaseText(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.startsWith('db.sqlite'))
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

interface Run {
  dbText: string;
  logs: string;
  exports: string;
  privacy: Record<'ja' | 'en', string>;
  row: { address: string; address_hash: string | null };
  scan: { createdAt: string; expiresAt: string; address: string };
}

async function diagnose(
  lab: Lab,
  family: 4 | 6,
  storage: 'clear' | 'truncate' | 'hmac',
  dirs: string[],
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-at-rest-'));
  dirs.push(dir);
  const server: ServerProcess = await startServerProcess({
    host: family === 4 ? lab.scannerV4 : lab.scannerV6,
    dbDir: dir,
    env: {
      SELFSCAN_MODE: 'local',
      SELFSCAN_IP_STORAGE: storage,
      ...(storage === 'hmac' ? { SELFSCAN_IP_HMAC_KEY: HMAC_KEY } : {}),
      SELFSCAN_RETENTION_DAYS: String(RETENTION_DAYS),
      SELFSCAN_LOG_LEVEL: 'debug',
      SELFSCAN_OPERATOR_NAME: 'Test Operator',
    },
  });
  try {
    const r = await lab.execInTarget(
      httpClientCommand(server.baseUrl, ['--ports', `${OPEN},${CLOSED}`, '--timeout-ms', '60000']),
      { timeoutMs: 70_000 },
    );
    assert.equal(r.code, 0, `client: ${r.stdout}\n${r.stderr}\n${server.output()}`);
    const final = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { step: string; scan?: Run['scan'] & { id: string } })
      .find((l) => l.step === 'final');
    assert.ok(final?.scan, r.stdout);
    const me = await lab.execInTarget([
      process.execPath,
      '-e',
      `fetch(${JSON.stringify(`${server.baseUrl}/api/v1/me`)}).then(r => r.text()).then(t => process.stdout.write(t))`,
    ]);
    const text = async (path: string, lang?: string) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        headers: lang ? { 'accept-language': lang } : {},
      });
      assert.equal(res.status, 200, path);
      return res.text();
    };
    const exports = [
      r.stdout,
      me.stdout,
      await text('/api/v1/stats'),
      await text('/api/v1/stats.csv'),
      await text(`/api/v1/scans/${final.scan.id}`),
    ].join('\n');
    const privacy = { ja: await text('/privacy?lang=ja'), en: await text('/privacy?lang=en') };
    const row = server.db().prepare('select address, address_hash from scans').get() as Run['row'];
    await server.stop();
    return {
      dbText: databaseText(dir),
      logs: server.output(),
      exports,
      privacy,
      row,
      scan: final.scan,
    };
  } finally {
    await server.stop();
  }
}

describe('the address at rest, and the privacy page that describes it', {
  concurrency: false,
}, () => {
  let lab: Lab | undefined;
  const dirs: string[] = [];
  before(async () => {
    if (!labSupport().ok) return;
    lab = await createLab({ delayMs: 1 });
    await lab.listen([OPEN]);
  });
  after(async () => {
    await lab?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: hmac keeps no spelling of the address anywhere; clear keeps it (the search works)`, {
      timeout: 180_000,
    }, async (t) => {
      if (!requireLab(t) || !lab) return;
      const address = family === 4 ? lab.targetV4 : lab.targetV6;
      const words = spellings(address);
      t.diagnostic(`searching for ${words.join(' ')}`);

      const hmac = await diagnose(lab, family, 'hmac', dirs);
      assert.deepEqual(found(hmac.dbText, words), [], 'database files (hmac)');
      assert.deepEqual(found(hmac.logs, words), [], 'server logs (hmac)');
      assert.deepEqual(found(hmac.exports, words), [], 'exports (hmac)');
      assert.match(hmac.row.address_hash ?? '', /^[0-9a-f]{64}$/);
      assert.notEqual(hmac.row.address, address);
      assert.ok(hmac.logs.length > 500, 'the server did log');

      const clear = await diagnose(lab, family, 'clear', dirs);
      assert.ok(found(clear.dbText, words).length > 0, 'clear: the search finds the address');
      assert.equal(clear.row.address, address);
      assert.equal(clear.row.address_hash, null);
      assert.deepEqual(found(clear.logs, words), [], 'logs hold no address even in clear');

      for (const lang of ['ja', 'en'] as const) {
        assert.match(hmac.privacy[lang], /data-stored="hmac"/);
        assert.match(clear.privacy[lang], /data-stored="clear"/);
      }
    });
  }

  it('truncate: the masked network only, no hash; each mode’s page says what the row holds', {
    timeout: 120_000,
  }, async (t) => {
    if (!requireLab(t) || !lab) return;
    const run = await diagnose(lab, 4, 'truncate', dirs);
    const address = lab.targetV4;
    assert.deepEqual(found(run.dbText, spellings(address)), []);
    assert.equal(run.row.address, `${address.split('.').slice(0, 3).join('.')}.x`);
    assert.equal(run.row.address_hash, null);
    for (const lang of ['ja', 'en'] as const) {
      const html = run.privacy[lang];
      assert.match(html, /data-stored="truncate"/);
      assert.doesNotMatch(html, /HMAC/, 'no hash is claimed where none is stored');
      assert.match(html, new RegExp(`data-retention-days="${RETENTION_DAYS}"`));
      assert.match(html, new RegExp(`${RETENTION_DAYS}`));
      assert.match(html, /Test Operator/);
    }
    // The retention the page states is the one the service applies.
    const kept = Date.parse(run.scan.expiresAt) - Date.parse(run.scan.createdAt);
    assert.equal(kept, RETENTION_DAYS * 86_400_000);
  });
});
