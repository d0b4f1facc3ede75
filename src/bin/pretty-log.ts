// Log lines for a person at a terminal: pino writes one JSON object per line, which is right for
// a log collector but hard to read in `npm start`. At a TTY each line becomes
// "12:34:56 INFO  message key=value"; anywhere else (a pipe, a file, systemd) it stays JSON.
import { stdout } from 'node:process';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
// Fields every line has, or that the line already shows.
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'v']);

/** One pino JSON line → one readable line (an unparsable line is returned as it is). */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const clock = time.toTimeString().slice(0, 8);
  const level = LEVELS[Number(entry.level)] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !SKIP.has(key))
    .map(([key, value]) => {
      if (key === 'err' && value && typeof value === 'object' && 'stack' in value)
        return `\n${String((value as { stack: unknown }).stack)}`;
      return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    });
  return [clock, level, String(entry.msg ?? ''), ...fields].join(' ').trimEnd();
}

/** A pino destination that prints readable lines to the terminal. */
export const prettyStream = {
  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line) stdout.write(`${formatLogLine(line)}\n`);
  },
};

/** Readable lines at a terminal, JSON otherwise (`npm start | cat` gives JSON at a terminal). */
export function logStream(): { write(chunk: string): void } | undefined {
  return stdout.isTTY ? prettyStream : undefined;
}
