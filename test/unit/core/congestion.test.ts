import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CongestionWindow } from '../../../src/core/congestion.js';
import { MinHeap } from '../../../src/core/min-heap.js';

describe('congestion window', () => {
  it('starts moderate and grows one probe per completed first try up to the maximum', () => {
    const w = new CongestionWindow({ initial: 64, max: 100 });
    assert.equal(w.size, 64);
    for (let i = 0; i < 10; i++) w.completed(true);
    assert.equal(w.size, 74);
    for (let i = 0; i < 100; i++) w.completed(false); // silence is no evidence of loss
    assert.equal(w.size, 100);
    assert.equal(w.sendDelayMs, 0);
  });

  it('random loss of a few percent never slows the scan down', () => {
    const w = new CongestionWindow({ initial: 64, max: 512 });
    // 2 % of answers on a re-probe, in random order (1 % loss per packet, both ways).
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 100_000; i++) w.answered(rnd() < 0.02 ? 2 : 1, i, i);
    assert.equal(w.report().slowdowns, 0);
    assert.equal(w.sendDelayMs, 0);
  });

  it('re-probe answers of ≥ 15 % (8 of 50) halve the window and the send rate', () => {
    const w = new CongestionWindow({ initial: 256, max: 512 });
    let t = 0;
    const burst = () => {
      for (let i = 0; i < 42; i++) w.answered(1, t, t++);
      for (let i = 0; i < 8; i++) w.answered(2, t, t++);
    };
    burst();
    assert.equal(w.size, 128);
    assert.equal(w.sendDelayMs, 1);
    burst();
    assert.equal(w.size, 64);
    assert.equal(w.sendDelayMs, 2);
    const r = w.report();
    assert.equal(r.slowdowns, 2);
    assert.equal(r.low, 64);
    assert.equal(r.sendDelayMs, 2);
  });

  it('the first slowdown halves the rate that was actually sent', () => {
    const w = new CongestionWindow({ initial: 256, max: 512 });
    for (let i = 0; i < 300; i++) w.launchedAt(i / 100); // 100 probes per ms
    for (let i = 0; i < 42; i++) w.answered(1, 3, 3);
    for (let i = 0; i < 8; i++) w.answered(2, 3, 3);
    assert.equal(w.report().slowdowns, 1);
    assert.ok(Math.abs(w.sendDelayMs - 0.02) < 0.001, `50 per ms → ${w.sendDelayMs} ms apart`);
  });

  it('drops of ports first tried before the last slowdown are not counted again', () => {
    const w = new CongestionWindow({ initial: 256, max: 512 });
    for (let i = 0; i < 42; i++) w.answered(1, 0, 10);
    for (let i = 0; i < 8; i++) w.answered(2, 0, 10); // → slowdown at t = 10
    assert.equal(w.report().slowdowns, 1);
    for (let i = 0; i < 100; i++) w.answered(2, 5, 20); // first tried at 5 < 10: old rate
    assert.equal(w.report().slowdowns, 1);
    assert.equal(w.sendDelayMs, 1);
  });

  it('after a slowdown the window grows only on answers, one probe per window', () => {
    const w = new CongestionWindow({ initial: 64, max: 512 });
    for (let i = 0; i < 42; i++) w.answered(1, 0, 0);
    for (let i = 0; i < 8; i++) w.answered(2, 0, 0);
    assert.equal(w.size, 32);
    for (let i = 0; i < 100; i++) w.completed(false);
    assert.equal(w.size, 32);
    for (let i = 0; i < 70; i++) w.completed(true);
    assert.equal(w.size, 34, 'about one probe more per window of answers');
  });
});

describe('min-heap', () => {
  it('pops in key order whatever the push order', () => {
    const h = new MinHeap<number>();
    const keys = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const k of keys) h.push(k, k);
    const out: number[] = [];
    while (h.size > 0) {
      assert.equal(h.peekKey(), h.peekKey());
      out.push(h.pop()!);
    }
    assert.deepEqual(
      out,
      [...keys].sort((a, b) => a - b),
    );
    assert.equal(h.pop(), undefined);
    assert.equal(h.peekKey(), undefined);
  });

  it('drain empties it', () => {
    const h = new MinHeap<string>();
    h.push(2, 'b');
    h.push(1, 'a');
    assert.deepEqual(h.drain().sort(), ['a', 'b']);
    assert.equal(h.size, 0);
  });
});
