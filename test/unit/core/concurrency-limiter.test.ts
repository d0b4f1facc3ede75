import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConcurrencyLimiter,
  processConcurrencyLimiter,
} from '../../../src/core/concurrency-limiter.js';
import { scanAll } from '../../../src/core/scan.js';

describe('ConcurrencyLimiter', () => {
  it('hands out at most `capacity` slots and wakes one waiter per release', () => {
    const limiter = new ConcurrencyLimiter(2);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), false);
    const woken: string[] = [];
    limiter.whenAvailable(() => woken.push('a'));
    limiter.whenAvailable(() => woken.push('b'));
    limiter.release();
    assert.deepEqual(woken, ['a']);
    assert.equal(limiter.inUse, 1);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), false);
  });

  it('the process-wide limiter is shared and follows the latest capacity', () => {
    const a = processConcurrencyLimiter(10);
    const b = processConcurrencyLimiter(3);
    assert.equal(a, b);
    assert.equal(a.capacity, 3);
  });

  it('two scans at once never hold more sockets than SELFSCAN_CONCURRENCY_MAX', async () => {
    const limiter = processConcurrencyLimiter(4);
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, limiter.inUse);
    }, 0);
    const ports = Array.from({ length: 300 }, (_, i) => 30000 + i);
    const options = { concurrencyMax: 4, concurrencyPerTarget: 64 };
    const [a, b] = await Promise.all([
      scanAll({ address: '127.0.0.7', family: 4 }, ports, options),
      scanAll({ address: '127.0.0.8', family: 4 }, ports, options),
    ]);
    clearInterval(sample);
    assert.equal(a.length, 300);
    assert.equal(b.length, 300);
    assert.ok(peak <= 4, `peak ${peak}`);
    assert.ok(peak >= 1);
    assert.equal(limiter.inUse, 0, 'every slot released');
    processConcurrencyLimiter(2048);
  });

  it('a limiter passed in is the budget: two scans share it, the process-wide one is untouched', async () => {
    const budget = new ConcurrencyLimiter(3);
    const global = processConcurrencyLimiter(2048);
    let peak = 0;
    let globalPeak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, budget.inUse);
      globalPeak = Math.max(globalPeak, global.inUse);
    }, 0);
    const ports = Array.from({ length: 200 }, (_, i) => 31000 + i);
    const options = { concurrencyMax: 2048, concurrencyPerTarget: 64, limiter: budget };
    const [a, b] = await Promise.all([
      scanAll({ address: '127.0.0.9', family: 4 }, ports, options),
      scanAll({ address: '127.0.0.10', family: 4 }, ports, options),
    ]);
    clearInterval(sample);
    assert.equal(a.length + b.length, 400);
    assert.ok(peak <= 3 && peak >= 1, `peak ${peak}`);
    assert.equal(globalPeak, 0, 'the process-wide limiter was not used');
    assert.equal(budget.inUse, 0, 'every slot released');
  });
});
