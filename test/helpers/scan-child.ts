// Runs selfscan's scanner core in a process of its own, on the scanner side of the namespace lab
// (test/helpers/lab.ts runScannerChild), where per-netns sysctls and rlimits apply:
//
//   ip netns exec <ns> node --import tsx test/helpers/scan-child.ts '<json>'   (or '-' = stdin)
//
// Input: { address, family, ports, options?, exhaustFds?, holdConnection? } (ScanChildInput).
// Output: one JSON line on stdout, { results, wallMs, fdsHeld?, held? } (ScanChildOutput).
// Exit code 0 when the scan ran (whatever the port states), 2 on bad input, 1 on a crash.
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import type { PortResult } from '../../src/core/port-state.js';
import { type ScanOptions, scanTarget } from '../../src/core/scan.js';
import type { ScanChildInput, ScanChildOutput } from './lab.js';

async function readInput(): Promise<ScanChildInput> {
  const arg = process.argv[2];
  let text = arg;
  if (arg === undefined || arg === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  const input = JSON.parse(text ?? '') as ScanChildInput;
  if (typeof input.address !== 'string' || (input.family !== 4 && input.family !== 6)) {
    throw new Error('address and family (4 | 6) are required');
  }
  if (!Array.isArray(input.ports) || !input.ports.every((p) => Number.isInteger(p))) {
    throw new Error('ports must be an array of integers');
  }
  return input;
}

/** Opens and keeps one connection; resolves with 'connected' or the errno code. */
function hold(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('timeout');
    }, 10_000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.on('error', () => {}); // the peer may close it later; keep the local port bound anyway
      resolve('connected');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? 'error');
    });
  });
}

/** Opens /dev/null until EMFILE (bounded by the fd limit itself); keeps the fds open. */
function exhaustFds(leave: number): number {
  const held: number[] = [];
  for (let i = 0; i < 1_100_000; i++) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EMFILE' || code === 'ENFILE') break;
      throw err;
    }
  }
  // Give `leave` of them back, so a few sockets can open before EMFILE strikes again.
  for (let i = 0; i < leave && held.length > 0; i++) closeSync(held.pop()!);
  return held.length;
}

async function main(): Promise<void> {
  let input: ScanChildInput;
  try {
    input = await readInput();
  } catch (err) {
    process.stderr.write(`scan-child: bad input: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const out: Partial<ScanChildOutput> = {};
  if (input.holdConnection) out.held = await hold(input.address, input.holdConnection.port);
  if (input.exhaustFds !== undefined && input.exhaustFds !== false) {
    out.fdsHeld = exhaustFds(typeof input.exhaustFds === 'number' ? input.exhaustFds : 0);
  }
  const options = { ...(input.options ?? {}) } as Partial<ScanOptions>;
  options.onReport = (report) => {
    out.report = report;
  };
  const results: PortResult[] = [];
  const started = performance.now();
  for await (const r of scanTarget(
    { address: input.address, family: input.family },
    input.ports,
    options,
  )) {
    results.push(r);
  }
  const wallMs = Math.round(performance.now() - started);
  // stdout on a pipe is asynchronous: exit only once the whole line is out (65 535 results are
  // several MB).
  process.stdout.write(`${JSON.stringify({ ...out, results, wallMs })}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`scan-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
