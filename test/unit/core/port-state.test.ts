import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyConnectError, verdictOf } from '../../../src/core/port-state.js';

describe('classifyConnectError', () => {
  const table: [string | undefined, string, string][] = [
    ['ECONNREFUSED', 'closed', 'refused'],
    ['ETIMEDOUT', 'filtered', 'timeout'],
    ['EHOSTUNREACH', 'filtered', 'host-unreachable'],
    ['ENETUNREACH', 'error', 'local-ENETUNREACH'],
    ['EACCES', 'error', 'local-EACCES'],
    ['EPERM', 'error', 'local-EPERM'],
    ['EMFILE', 'error', 'local-EMFILE'],
    ['ENFILE', 'error', 'local-ENFILE'],
    ['EADDRNOTAVAIL', 'error', 'local-EADDRNOTAVAIL'],
    ['EADDRINUSE', 'error', 'local-EADDRINUSE'],
    ['ENOBUFS', 'error', 'local-ENOBUFS'],
    ['EHOSTDOWN', 'error', 'local-EHOSTDOWN'],
    ['ENONET', 'error', 'local-ENONET'],
    ['EINVAL', 'error', 'local-EINVAL'],
    ['ESOMETHINGNEW', 'error', 'local-ESOMETHINGNEW'],
    [undefined, 'error', 'local-unknown'],
  ];
  for (const [code, state, reason] of table) {
    it(`${code ?? '(no code)'} → ${state} / ${reason}`, () => {
      assert.deepEqual(classifyConnectError(code), { state, reason });
    });
  }
  it('never calls the scanner’s own failures safe', () => {
    for (const code of [
      'ENETUNREACH',
      'EACCES',
      'EPERM',
      'EMFILE',
      'EADDRNOTAVAIL',
      'ENOBUFS',
      'X',
    ]) {
      assert.equal(classifyConnectError(code).state, 'error');
    }
  });
});

describe('verdictOf', () => {
  const s = (...states: ('open' | 'closed' | 'filtered' | 'error')[]) =>
    states.map((state) => ({ state }));
  it('exposed when any port is open, even with errors', () => {
    assert.equal(verdictOf(s('closed', 'open', 'error')), 'exposed');
    assert.equal(verdictOf(s('open')), 'exposed');
  });
  it('incomplete when none is open and any is error', () => {
    assert.equal(verdictOf(s('closed', 'filtered', 'error')), 'incomplete');
    assert.equal(verdictOf(s('error')), 'incomplete');
  });
  it('incomplete when nothing was tested', () => {
    assert.equal(verdictOf([]), 'incomplete');
  });
  it('safe when every port is closed or filtered', () => {
    assert.equal(verdictOf(s('closed', 'filtered', 'filtered')), 'safe');
    assert.equal(verdictOf(s('filtered')), 'safe');
  });
});
