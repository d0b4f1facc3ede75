// The exit codes, each with one meaning, so that a cron job or the Task Scheduler can trust them.
// Listed in `selfscan --help` (messages.ts, help.exitCodes), README.md and docs/cli.md.
export const EXIT = {
  /** Diagnosis done: no tested port is reachable. */
  safe: 0,
  /** Diagnosis done: at least one port is reachable. */
  exposed: 1,
  /** Diagnosis done, but some ports could not be tested: not a safe result. */
  incomplete: 2,
  /** No diagnosis: server unreachable, server error, refused, declined, or it failed. */
  failed: 3,
  /** The command line is wrong (EX_USAGE from sysexits.h): unknown flag, bad value, no consent. */
  usage: 64,
  /** Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export function exitCodeFor(scan: { status: string; verdict: string | null }): number {
  if (scan.status !== 'done') return EXIT.failed;
  if (scan.verdict === 'safe') return EXIT.safe;
  if (scan.verdict === 'exposed') return EXIT.exposed;
  return EXIT.incomplete;
}
