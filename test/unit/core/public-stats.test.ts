// The suppression rules of the public statistics (core/public-stats.ts), on hand-made counters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publicStats, statsPeriod, type WeeklyCounters } from '../../../src/core/public-stats.js';

const W1 = '2026-01-05';
const W2 = '2026-01-12';
const PERIOD = { from: W1, to: '2026-01-18' };
const K = 5;

type PortRow = WeeklyCounters['ports'][number];
const port = (week: string, p: number, state: string, family: 4 | 6, n: number): PortRow => ({
  week,
  port: p,
  protocol: 'tcp',
  state,
  family,
  n,
});
const diag = (week: string, outcome: string, family: 4 | 6, n: number) => ({
  week,
  outcome,
  family,
  n,
});

test('statsPeriod: whole weeks, ending with the last complete week', () => {
  assert.deepEqual(statsPeriod('2026-01-07', '2026-01-13', '2026-03-01'), {
    from: '2026-01-05',
    to: '2026-01-18',
  });
  // "today" is Wednesday 2026-01-14: the week of the 12th is not complete yet.
  assert.deepEqual(statsPeriod('2026-01-01', '2026-01-31', '2026-01-14'), {
    from: '2025-12-29',
    to: '2026-01-11',
  });
});

test('a large, even cell is published; zero is published; error is not a test', () => {
  const s = publicStats(
    {
      ports: [
        port(W1, 445, 'open', 4, 20),
        port(W1, 445, 'closed', 4, 30),
        port(W1, 445, 'error', 4, 3),
        port(W1, 22, 'closed', 4, 50),
      ],
      diagnoses: [diag(W1, 'exposed', 4, 20), diag(W1, 'safe', 4, 30)],
    },
    PERIOD,
    K,
    [],
  );
  assert.equal(s.diagnoses, 50);
  const p445 = s.ports.find((p) => p.port === 445);
  assert.deepEqual(p445, { port: 445, protocol: 'tcp', tested: 50, open: 20, openShare: 0.4 });
  assert.deepEqual(
    s.ports.find((p) => p.port === 22),
    { port: 22, protocol: 'tcp', tested: 50, open: 0, openShare: 0 },
  );
  // IPv6 has nothing: zeros, published.
  assert.equal(s.families.find((f) => f.family === 6)?.diagnoses, 0);
  assert.equal(s.outcomes.failed, 0);
});

test('a small count in any week hides the period figure; so does a small "not open"', () => {
  const s = publicStats(
    {
      ports: [
        port(W1, 445, 'open', 4, 2), // small in week 1
        port(W1, 445, 'closed', 4, 40),
        port(W2, 445, 'open', 4, 30),
        port(W2, 445, 'closed', 4, 30),
        port(W1, 22, 'open', 4, 40),
        port(W1, 22, 'closed', 4, 2), // tested but not open: small
      ],
      diagnoses: [diag(W1, 'safe', 4, 42), diag(W2, 'safe', 4, 60)],
    },
    PERIOD,
    K,
    [],
  );
  const p445 = s.ports.find((p) => p.port === 445)!;
  assert.equal(p445.tested, 102);
  assert.equal(p445.open, null);
  assert.equal(p445.openShare, null);
  const week1 = s.weekly[0]!.ports.find((p) => p.port === 445)!;
  const week2 = s.weekly[1]!.ports.find((p) => p.port === 445)!;
  assert.equal(week1.open, null);
  assert.equal(week2.open, 30, 'a week without a small cell is shown');
  const p22 = s.ports.find((p) => p.port === 22)!;
  assert.equal(p22.open, null, 'tested − open would reveal 2');
});

test('complementary suppression: a hidden IPv6 figure hides the IPv4 one when the total shows', () => {
  const s = publicStats(
    {
      ports: [
        port(W1, 445, 'open', 4, 10),
        port(W1, 445, 'closed', 4, 30),
        port(W1, 445, 'closed', 6, 3),
      ],
      diagnoses: [diag(W1, 'safe', 4, 30), diag(W1, 'exposed', 4, 10), diag(W1, 'safe', 6, 3)],
    },
    PERIOD,
    K,
    [],
  );
  assert.equal(s.diagnoses, 43);
  const f4 = s.families.find((f) => f.family === 4)!;
  const f6 = s.families.find((f) => f.family === 6)!;
  assert.equal(f6.diagnoses, null);
  assert.equal(f4.diagnoses, null, '43 − IPv4 would give IPv6');
  assert.equal(s.ports.find((p) => p.port === 445)?.tested, 43);
  assert.equal(f4.ports.find((p) => p.port === 445)?.tested ?? null, null);
  // Outcomes: none small here (exposed 10, safe 33): all shown.
  assert.equal(s.outcomes.exposed, 10);
  assert.equal(s.outcomes.safe, 33);
});

test('complementary suppression among outcomes picks the smallest non-zero other outcome', () => {
  const s = publicStats(
    {
      ports: [],
      diagnoses: [
        diag(W1, 'safe', 4, 100),
        diag(W1, 'exposed', 4, 20),
        diag(W1, 'incomplete', 4, 8),
        diag(W1, 'failed', 4, 2),
      ],
    },
    PERIOD,
    K,
    [],
  );
  assert.equal(s.diagnoses, 130);
  assert.equal(s.outcomes.failed, null);
  assert.equal(s.outcomes.incomplete, null);
  assert.equal(s.outcomes.exposed, 20);
  assert.equal(s.outcomes.safe, 100);
});

test('a port outside the fixed list appears only when its tested count is published', () => {
  const s = publicStats(
    {
      ports: [port(W1, 31337, 'closed', 4, 2), port(W1, 8443, 'closed', 4, 9)],
      diagnoses: [diag(W1, 'safe', 4, 9)],
    },
    PERIOD,
    K,
    [{ port: 3389, protocol: 'tcp' }],
  );
  assert.deepEqual(
    s.ports.map((p) => p.port),
    [3389, 8443],
  );
  assert.deepEqual(s.ports[0], {
    port: 3389,
    protocol: 'tcp',
    tested: 0,
    open: 0,
    openShare: null,
  });
});

test('no sum anywhere has exactly one hidden term (random counters)', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 200; round++) {
    const ports: PortRow[] = [];
    const diagnoses: ReturnType<typeof diag>[] = [];
    for (const week of [W1, W2])
      for (const family of [4, 6] as const) {
        for (const o of ['exposed', 'incomplete', 'safe', 'failed'])
          diagnoses.push(diag(week, o, family, Math.floor(rand() * 12)));
        for (const p of [445, 22])
          for (const st of ['open', 'closed', 'filtered'])
            ports.push(port(week, p, st, family, Math.floor(rand() * 12)));
      }
    const s = publicStats({ ports, diagnoses }, PERIOD, K, []);
    const hiddenCount = (xs: (number | null)[]) => xs.filter((x) => x === null).length;
    if (s.diagnoses !== null) {
      const fams = s.families.map((f) => f.diagnoses);
      assert.notEqual(hiddenCount(fams), 1, `families, round ${round}`);
      assert.notEqual(hiddenCount(Object.values(s.outcomes)), 1, `outcomes, round ${round}`);
      assert.notEqual(hiddenCount(s.weekly.map((w) => w.diagnoses)), 1, `weeks, round ${round}`);
    }
    for (const p of s.ports) {
      const parts = s.families.map((f) => f.ports.find((x) => x.port === p.port)?.tested ?? null);
      if (p.tested !== null) assert.notEqual(hiddenCount(parts), 1, `tested, round ${round}`);
      const opens = s.families.map((f) => f.ports.find((x) => x.port === p.port)?.open ?? null);
      if (p.open !== null) assert.notEqual(hiddenCount(opens), 1, `open, round ${round}`);
      // Every published count is 0 or at least k.
      for (const v of [p.tested, p.open, ...parts, ...opens])
        if (v !== null) assert.ok(v === 0 || v >= K, `small count ${v} published`);
    }
  }
});
