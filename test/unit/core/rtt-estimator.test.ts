import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RttEstimator } from '../../../src/core/rtt-estimator.js';

const bounds = { timeoutMinMs: 100, timeoutMaxMs: 1500, retries: 1, maxRetries: 10 };

describe('RttEstimator', () => {
  it('uses the ceiling until something answers', () => {
    assert.equal(new RttEstimator(bounds).timeoutMs(), 1500);
  });
  it('follows srtt + 4·rttvar within floor and ceiling', () => {
    const fast = new RttEstimator(bounds);
    for (let i = 0; i < 20; i++) fast.sample(0.2);
    assert.equal(fast.timeoutMs(), 100); // floor
    const slow = new RttEstimator(bounds);
    for (let i = 0; i < 50; i++) slow.sample(200);
    assert.ok(slow.timeoutMs() >= 200 && slow.timeoutMs() < 260, String(slow.timeoutMs()));
    const jittery = new RttEstimator(bounds);
    for (let i = 0; i < 50; i++) jittery.sample(i % 2 ? 100 : 900);
    assert.equal(jittery.timeoutMs(), 1500); // ceiling
  });
  it('gives a silent port one re-probe when no loss was seen', () => {
    const t = new RttEstimator(bounds);
    for (let i = 0; i < 100; i++) t.answeredOnTry(1);
    assert.equal(t.lossPerTry(), 0);
    assert.equal(t.triesForSilentPort(), 2);
  });
  it('gives more tries when answering ports needed several', () => {
    const t = new RttEstimator(bounds);
    // 30 % loss per try: 70 answer on try 1, 21 on try 2, 6 on try 3, 3 on try 4
    for (let i = 0; i < 70; i++) t.answeredOnTry(1);
    for (let i = 0; i < 21; i++) t.answeredOnTry(2);
    for (let i = 0; i < 6; i++) t.answeredOnTry(3);
    for (let i = 0; i < 3; i++) t.answeredOnTry(4);
    const loss = t.lossPerTry();
    assert.ok(loss > 0.2 && loss < 0.35, String(loss));
    const tries = t.triesForSilentPort();
    assert.ok(loss ** tries <= 0.001, `tries ${tries} at loss ${loss}`);
    assert.ok(tries >= 5 && tries <= 11, String(tries));
  });
  it('never exceeds 1 + maxRetries tries', () => {
    const t = new RttEstimator(bounds);
    t.answeredOnTry(1);
    for (let i = 0; i < 10; i++) t.answeredOnTry(9);
    assert.equal(t.triesForSilentPort(), 11);
  });
  it('one late answer asks for one more try than it needed (nmap rule)', () => {
    const t = new RttEstimator(bounds);
    for (let i = 0; i < 999; i++) t.answeredOnTry(1);
    t.answeredOnTry(2);
    assert.equal(t.triesForSilentPort(), 3);
  });
});
