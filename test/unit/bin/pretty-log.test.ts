// Log lines at a terminal (issue 9): pino's JSON becomes "time LEVEL message key=value".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogLine } from '../../../src/bin/pretty-log.js';

describe('formatLogLine', () => {
  it('level, message and the remaining fields; no pid, hostname or raw JSON', () => {
    const time = new Date(2026, 11, 1, 12, 34, 56).getTime();
    const line = formatLogLine(
      JSON.stringify({
        level: 40,
        time,
        pid: 1,
        hostname: 'h',
        msg: 'scans failed',
        interrupted: 2,
      }),
    );
    assert.equal(line, '12:34:56 WARN  scans failed interrupted=2');
  });

  it('an error shows its stack on the following lines', () => {
    const line = formatLogLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'request failed',
        err: { stack: 'Error: x\n    at y' },
      }),
    );
    assert.match(line, /ERROR request failed \nError: x\n {4}at y$/);
  });

  it('a line that is not JSON is passed through', () => {
    assert.equal(formatLogLine('plain words'), 'plain words');
  });
});
