// Pure parts of the CLI: terminal width (Japanese counts two), the 80-column table, the
// correlation with this PC's listening sockets, the locale choice, durations, and what `watch`
// counts as a change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import type { ScanResult } from '../../../src/cli/api-client.js';
import type { ListeningSocket } from '../../../src/cli/listening-ports.js';
import type { LocalAddress } from '../../../src/cli/local-context.js';
import { en, ja, pickLocale } from '../../../src/cli/messages.js';
import { correlate, displayWidth, renderReport, truncate, wrap } from '../../../src/cli/report.js';
import {
  changesBetween,
  formatDuration,
  nextDelay,
  parseDuration,
  type Snapshot,
} from '../../../src/cli/watch.js';

const paint = pc.createColors(false);

function scan(states: Record<number, 'open' | 'closed' | 'filtered' | 'error'>): ScanResult {
  const results = Object.entries(states).map(([port, state]) => ({
    port: Number(port),
    protocol: 'tcp' as const,
    state,
    reason: {
      open: 'syn-ack',
      closed: 'refused',
      filtered: 'timeout',
      error: 'local-EADDRNOTAVAIL',
    }[state],
    ms: 1234,
  }));
  const verdict = results.some((r) => r.state === 'open')
    ? 'exposed'
    : results.some((r) => r.state === 'error')
      ? 'incomplete'
      : 'safe';
  return {
    id: 'x'.repeat(24),
    code: 'ABC-DEF-GHJ',
    status: 'done',
    address: '203.0.113.7',
    family: 4,
    // The schema's Static type of `class` comes out as never (a mapped union); the value is real.
    class: 'global' as ScanResult['class'],
    verdict,
    total: results.length,
    label: null,
    results,
    createdAt: '2026-12-01T00:00:00.000Z',
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:00:01.000Z',
    expiresAt: '2026-12-31T00:00:00.000Z',
    termsVersion: '1',
    catalogVersion: '1',
  };
}

const tcp = (port: number, address = '0.0.0.0'): ListeningSocket => ({
  protocol: 'tcp',
  family: 4,
  address,
  port,
});

describe('terminal width', () => {
  it('wide characters count two cells', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('接続可能'), 8);
    assert.equal(displayWidth('Windows ファイル共有（SMB）'), 27);
    assert.equal(displayWidth('\u001b[31mOPEN\u001b[39m'), 4, 'colour codes take no room');
  });
  it('truncate and wrap never exceed the width', () => {
    assert.equal(truncate('Windows ファイル共有（SMB）', 20), 'Windows ファイル共…');
    assert.ok(displayWidth(truncate('Windows ファイル共有（SMB）', 20)) <= 20);
    const text = ja.unknownFix;
    for (const line of wrap(text, 80, '  ')) assert.ok(displayWidth(line) <= 80, line);
    assert.equal(wrap(text, 80, '  ').join('').replaceAll(' ', ''), `${text}`.replaceAll(' ', ''));
  });
});

describe('the report', () => {
  const every = scan({
    445: 'open',
    3389: 'open',
    23: 'closed',
    135: 'filtered',
    5000: 'error',
    50000: 'open',
  });
  for (const [locale, m] of [
    ['ja', ja],
    ['en', en],
  ] as const) {
    it(`${locale}: every line fits 80 columns, the open ports first`, () => {
      const text = renderReport({
        scan: every,
        link: 'https://selfscan.example/r/xxxxxxxxxxxxxxxxxxxxxxxx',
        listening: { source: '/proc/net', sockets: [tcp(445), tcp(135), tcp(5000, '127.0.0.1')] },
        locale,
        m,
        paint,
      });
      for (const line of text.split('\n'))
        assert.ok(displayWidth(line) <= 80, `${displayWidth(line)}: ${line}`);
      const rows = text.split('\n').filter((l) => l.startsWith('  TCP/'));
      assert.deepEqual(
        rows.map((r) => r.trim().split(/\s+/)[0]),
        ['TCP/445', 'TCP/3389', 'TCP/50000', 'TCP/5000', 'TCP/23', 'TCP/135'],
      );
      assert.match(text, locale === 'ja' ? /TCP ポート 50000/ : /TCP port 50000/);
    });
  }
  it('correlation: listening + reachable = exposed; listening + unreachable = firewall; reachable + not listening = elsewhere', () => {
    const c = correlate(every, [tcp(445), tcp(135), tcp(5000, '127.0.0.1'), tcp(23, '127.0.0.1')]);
    assert.deepEqual(c, { exposed: [445], firewall: [135], elsewhere: [3389, 50000] });
    assert.equal(correlate(every, undefined), undefined);
  });
  it('a failed scan says it could not diagnose', () => {
    const failed = {
      ...scan({}),
      status: 'failed' as const,
      verdict: null,
      error: { code: 'interrupted', message: 'the server restarted' },
    };
    const text = renderReport({
      scan: failed,
      link: 'l',
      listening: { source: undefined, why: 'x' },
      locale: 'en',
      m: en,
      paint,
    });
    assert.match(text, /^COULD NOT DIAGNOSE — the server restarted$/m);
  });
});

it('locale: --lang, then LC_ALL, LC_MESSAGES, LANG', () => {
  assert.equal(pickLocale('en', { LANG: 'ja_JP.UTF-8' }), 'en');
  assert.equal(pickLocale(undefined, { LANG: 'ja_JP.UTF-8' }), 'ja');
  assert.equal(pickLocale(undefined, { LC_ALL: 'C', LANG: 'ja_JP.UTF-8' }), 'en');
  assert.equal(pickLocale(undefined, { LC_MESSAGES: 'ja_JP.eucJP' }), 'ja');
  assert.equal(pickLocale(undefined, { LANG: 'ja' }), 'ja');
  assert.equal(pickLocale(undefined, { LANG: 'jav_ID' }), 'en');
  assert.equal(pickLocale(undefined, {}), 'en');
});

describe('watch', () => {
  it('durations', () => {
    assert.equal(parseDuration('6h'), 21_600_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('6'), undefined);
    assert.equal(parseDuration('6x'), undefined);
    assert.equal(parseDuration('-1h'), undefined);
    assert.equal(formatDuration(21_600_000), '6h');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1500), '1500ms');
  });
  it('delay: the interval plus jitter; after failures a shorter, growing retry', () => {
    assert.equal(nextDelay(6 * 3_600_000, 0, 0), 6 * 3_600_000);
    assert.equal(
      nextDelay(1000, 500, 0, () => 0.5),
      1250,
    );
    assert.equal(nextDelay(6 * 3_600_000, 0, 1), 60_000);
    assert.equal(nextDelay(6 * 3_600_000, 0, 3), 240_000);
    assert.equal(nextDelay(2000, 0, 5), 2000, 'never longer than the interval');
  });

  const wwan: LocalAddress = {
    interface: 'wwan0',
    address: '2001:db8::7',
    family: 6,
    class: 'global',
  };
  const snap = (s: ScanResult, addresses: LocalAddress[] = []): Snapshot => ({
    at: new Date(2026, 11, 1, 14, 2),
    scan: s,
    addresses,
  });

  it('445 becoming reachable is one change, naming the interface with a global address', () => {
    const changes = changesBetween(
      snap(scan({ 445: 'filtered', 23: 'closed' }), [wwan]),
      snap(scan({ 445: 'open', 23: 'closed' }), [wwan]),
      en,
    );
    assert.deepEqual(
      changes.map((c) => c.text),
      ['445 became reachable at 14:02 — interface wwan0 has a global address (2001:db8::7)'],
    );
  });
  it('closed ↔ filtered is not news; tested ↔ not tested is', () => {
    assert.deepEqual(
      changesBetween(snap(scan({ 23: 'closed' })), snap(scan({ 23: 'filtered' })), en),
      [],
    );
    assert.deepEqual(
      changesBetween(snap(scan({ 23: 'closed' })), snap(scan({ 23: 'error' })), en).map(
        (c) => c.kind,
      ),
      ['state'],
    );
  });
  it('a global address appearing or going is reported', () => {
    const s = scan({ 23: 'closed' });
    assert.deepEqual(
      changesBetween(snap(s), snap(s, [wwan]), ja).map((c) => c.kind),
      ['global-gained'],
    );
    assert.deepEqual(
      changesBetween(snap(s, [wwan]), snap(s), en).map((c) => c.kind),
      ['global-lost'],
    );
  });
});
