// selfscan CLI: `check` runs a diagnosis of this machine's connection against a selfscan server
// (exit code for cron / Task Scheduler), `local` tells whether this PC holds a global address
// directly, `serve` starts the service.
import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { catalogEntryFor } from '../core/catalog.js';
import { ApiClientError, createApiClient, type ScanResult } from './api-client.js';
import { holdsGlobalAddress, localAddresses } from './local-context.js';

export const EXIT = { safe: 0, exposed: 1, incomplete: 2, failed: 2, error: 3 } as const;

const portList = (value: string): number[] => {
  const ports = value.split(',').map((p) => Number(p.trim()));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    throw new InvalidArgumentError('ports are whole numbers 1–65535, separated by commas');
  return ports;
};

export function buildCli(): Command {
  const program = new Command('selfscan').description(
    'See your machine the way the internet sees it.',
  );

  program
    .command('check')
    .description(
      "diagnose this machine's connection through a selfscan server (exit 0 safe, 1 exposed, 2 incomplete, 3 error)",
    )
    .option(
      '-s, --server <url>',
      'the selfscan server',
      process.env.SELFSCAN_SERVER ?? 'http://localhost:8080',
    )
    .addOption(
      new Option('-p, --preset <name>', 'port preset')
        .choices(['core', 'service', 'all'])
        .default('core'),
    )
    .option('--ports <list>', 'TCP ports instead of a preset, e.g. 22,445,3389', portList)
    .option('--label <text>', 'a note stored with the result')
    .option('--json', 'print the result as JSON')
    .action(
      async (opts: {
        server: string;
        preset: string;
        ports?: number[];
        label?: string;
        json?: boolean;
      }) => {
        const client = createApiClient(opts.server);
        try {
          const body = {
            ...(opts.ports ? { ports: opts.ports } : { preset: opts.preset }),
            ...(opts.label ? { label: opts.label } : {}),
          };
          const scan = await client.diagnose(body, (s) => {
            if (!opts.json && process.stderr.isTTY)
              process.stderr.write(`\r${s.results.length}/${s.total} ports tested`);
          });
          if (!opts.json && process.stderr.isTTY) process.stderr.write('\n');
          if (opts.json)
            console.log(
              JSON.stringify(
                { ...scan, link: `${opts.server.replace(/\/+$/, '')}/r/${scan.id}` },
                null,
                2,
              ),
            );
          else printReport(scan, opts.server);
          process.exitCode =
            scan.status === 'failed' ? EXIT.failed : EXIT[scan.verdict ?? 'incomplete'];
        } catch (err) {
          const e =
            err instanceof ApiClientError
              ? err
              : new ApiClientError('error', (err as Error).message);
          if (opts.json)
            console.log(JSON.stringify({ error: { code: e.code, message: e.message } }));
          else console.error(pc.red(`selfscan: ${e.message}`));
          process.exitCode = EXIT.error;
        }
      },
    );

  program
    .command('local')
    .description('does this PC hold a global address directly (reachable like a server)?')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const addresses = localAddresses();
      const global = holdsGlobalAddress(addresses);
      if (opts.json) {
        console.log(JSON.stringify({ addresses, holdsGlobalAddress: global.length > 0 }, null, 2));
      } else {
        for (const a of addresses)
          console.log(`${a.interface.padEnd(12)} ${a.address.padEnd(40)} ${a.class}`);
        console.log(
          global.length > 0
            ? pc.yellow(
                `This PC holds a global address directly (${global.map((a) => a.address).join(', ')}): the internet can reach it without a router in between. Run \`selfscan check\`.`,
              )
            : pc.green('No global address on this PC: it sits behind a router or carrier NAT.'),
        );
      }
      process.exitCode = global.length > 0 ? 1 : 0;
    });

  program
    .command('serve')
    .description('start the selfscan service (configuration from SELFSCAN_* variables)')
    .action(async () => {
      await import('../bin/server.js');
    });

  return program;
}

function printReport(scan: ScanResult, server: string): void {
  const head =
    scan.status === 'failed'
      ? pc.yellow(`Diagnosis failed: ${scan.error?.message ?? 'unknown error'}`)
      : scan.verdict === 'safe'
        ? pc.green('SAFE — none of the tested ports is reachable')
        : scan.verdict === 'exposed'
          ? pc.red('EXPOSED — this environment may allow intrusion')
          : pc.yellow('INCOMPLETE — some ports could not be tested; this is not a safe result');
  console.log(head);
  console.log(`Address tested: ${scan.address} (IPv${scan.family}, ${scan.class})`);
  const order = { open: 0, error: 1, closed: 2, filtered: 3 } as const;
  const rows = [...scan.results].sort((a, b) => order[a.state] - order[b.state] || a.port - b.port);
  const shown =
    rows.length > 40 ? rows.filter((r) => r.state === 'open' || r.state === 'error') : rows;
  for (const r of shown) {
    const name = catalogEntryFor('tcp', r.port)?.service ?? '';
    const state =
      r.state === 'open'
        ? pc.red('OPEN')
        : r.state === 'error'
          ? pc.yellow('NOT TESTED')
          : pc.green(r.state.toUpperCase());
    console.log(
      `  TCP/${String(r.port).padEnd(5)} ${name.padEnd(14)} ${state} (${r.reason}, ${r.ms} ms)`,
    );
  }
  if (shown.length < rows.length)
    console.log(`  … and ${rows.length - shown.length} ports closed or silent`);
  console.log(`Result code ${scan.code} — ${server.replace(/\/+$/, '')}/r/${scan.id}`);
}
