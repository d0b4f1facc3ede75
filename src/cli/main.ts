// selfscan CLI: `check` diagnoses this machine's connection through a selfscan server (exit code
// for cron / Task Scheduler), `watch` repeats it and reports changes, `local` tells what this PC
// holds without a server. The exit codes are in exit-codes.ts; a wrong command line is always
// EX_USAGE (64), never 0 or 1.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import type { PresetName } from '../core/catalog.js';
import { ApiClientError, sleep } from './api-client.js';
import {
  type CheckRequest,
  Declined,
  type Diagnosis,
  describeFailure,
  diagnose,
  type Ui,
} from './check.js';
import { EXIT, EXIT_HELP, exitCodeFor } from './exit-codes.js';
import { listeningSockets } from './listening-ports.js';
import { localAddresses, renderLocal } from './local-context.js';
import { type CliMessages, messagesFor, pickLocale } from './messages.js';
import { type Paint, renderReport } from './report.js';
import {
  type Change,
  changesBetween,
  clock,
  formatDuration,
  nextDelay,
  parseDuration,
  type Snapshot,
} from './watch.js';

declare const SELFSCAN_VERSION: string | undefined; // set by scripts/build-cli.mjs in the bundle

export function cliVersion(): string {
  if (typeof SELFSCAN_VERSION === 'string') return SELFSCAN_VERSION;
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

class UsageError extends Error {}

const portList = (value: string): number[] => {
  const parts = value.split(',').map((p) => p.trim());
  const ports = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    throw new InvalidArgumentError('ports are whole numbers 1–65535, separated by commas');
  if (new Set(ports).size !== ports.length)
    throw new InvalidArgumentError('a port is listed twice');
  return ports;
};

const duration = (min: number) => (value: string) => {
  const ms = parseDuration(value);
  if (ms === undefined || ms < min)
    throw new InvalidArgumentError(
      `a duration such as 90s, 15m, 6h or 1d (at least ${min / 1000} s)`,
    );
  return ms;
};

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('a whole number ≥ 1');
  return Number(value);
};

const serverUrl = (value: string) => {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return value.replace(/\/+$/, '');
  } catch {
    throw new InvalidArgumentError('an http:// or https:// URL');
  }
};

export interface CliEnv {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

function colours(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Paint {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled = forced || (!env.NO_COLOR && stream.isTTY === true && env.TERM !== 'dumb');
  return pc.createColors(enabled);
}

interface CommonOptions {
  server: string;
  preset: PresetName;
  ports?: number[];
  label?: string;
  json?: boolean;
  acceptTerms?: boolean;
  lang?: 'ja' | 'en';
  timeout: number;
}

function addDiagnosisOptions(cmd: Command, env: NodeJS.ProcessEnv): Command {
  return cmd
    .addOption(
      new Option('-s, --server <url>', 'the selfscan server (or SELFSCAN_SERVER)')
        .default(env.SELFSCAN_SERVER ?? 'http://localhost:8080')
        .argParser(serverUrl),
    )
    .addOption(
      new Option('-p, --preset <name>', 'port preset')
        .choices(['core', 'service', 'all'])
        .default('core'),
    )
    .option('--ports <list>', 'TCP ports instead of a preset, e.g. 22,445,3389', portList)
    .option('--label <text>', 'a note stored with the result')
    .option('--accept-terms', "accept the server's terms without asking (unattended runs)")
    .option('--json', "print exactly the API's JSON result")
    .addOption(
      new Option('--lang <lang>', 'language of the output (default: LC_ALL / LANG)').choices([
        'ja',
        'en',
      ]),
    )
    .addOption(
      new Option('--timeout <duration>', 'give up waiting for a result after this long')
        .default(60 * 60_000, '1h')
        .argParser(duration(1000)),
    );
}

export async function runCli(
  argv: readonly string[],
  io: CliEnv = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  },
  extra: { serve?: () => Promise<unknown> } = {},
): Promise<number> {
  const { env, stdout, stderr } = io;
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new Error('interrupted'));
  process.on('SIGINT', onSigint);
  let exitCode: number = EXIT.safe;

  const uiFor = (lang: string | undefined): Ui => {
    const locale = pickLocale(lang, env);
    return {
      locale,
      m: messagesFor(locale),
      stderr,
      stdin: io.stdin,
      interactive: io.stdin.isTTY === true && stderr.isTTY === true,
      progress: stderr.isTTY === true,
    };
  };
  const say = (m: CliMessages, text: string) => stderr.write(`${m.errors.prefix}: ${text}\n`);
  /** Consent up front: a run nobody can be asked in needs --accept-terms (a usage error). */
  const requireConsent = (opts: CommonOptions, ui: Ui) => {
    if (!opts.acceptTerms && !ui.interactive)
      throw new UsageError(ui.m.consent.needed(opts.server));
  };
  const request = (opts: CommonOptions, repeatEvery?: string): CheckRequest => ({
    server: opts.server,
    preset: opts.preset,
    ...(opts.ports ? { ports: opts.ports } : {}),
    ...(opts.label ? { label: opts.label } : {}),
    acceptTerms: opts.acceptTerms === true,
    ...(repeatEvery ? { repeatEvery } : {}),
  });

  const program = new Command('selfscan')
    .description('See your machine the way the internet sees it.')
    .version(cliVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) })
    .showHelpAfterError('(run `selfscan --help` for the options)')
    .addHelpText('after', `\n${EXIT_HELP}\n`);

  addDiagnosisOptions(
    program
      .command('check')
      .description("diagnose this machine's connection through a selfscan server")
      .addHelpText('after', `\n${EXIT_HELP}\n`),
    env,
  ).action(async (opts: CommonOptions) => {
    const ui = uiFor(opts.lang);
    requireConsent(opts, ui);
    const signal = AbortSignal.any([interrupt.signal, AbortSignal.timeout(opts.timeout)]);
    let link: string | undefined;
    const listening = listeningSockets();
    try {
      const { scan } = await diagnose(request(opts), ui, signal, (l) => {
        link = l;
      });
      if (opts.json) stdout.write(`${JSON.stringify(scan, null, 2)}\n`);
      else {
        const l = await listening;
        stdout.write(
          renderReport({
            scan,
            link: link!,
            listening: l,
            locale: ui.locale,
            m: ui.m,
            paint: colours(stdout, env),
          }),
        );
      }
      exitCode = exitCodeFor(scan);
    } catch (err) {
      exitCode = failure(err, ui, opts, link, signal);
    }
  });

  addDiagnosisOptions(
    program
      .command('watch')
      .description('repeat the diagnosis and report only what changes')
      .addOption(
        new Option('--every <duration>', 'how often, e.g. 6h')
          .default(6 * 3_600_000, '6h')
          .argParser(duration(1000)),
      )
      .addOption(
        new Option(
          '--jitter <duration>',
          'random extra wait each time (default: 10% of --every)',
        ).argParser(duration(0)),
      )
      .option(
        '--count <n>',
        'stop after this many diagnoses (default: run until stopped)',
        positiveInt,
      )
      .option('--org-token <token>', 'report to an organisation (not supported by this server yet)')
      .addHelpText(
        'after',
        `\n${EXIT_HELP}\n  watch exits with the code of its last diagnosis (with --count), or 130 when stopped.\n`,
      ),
    env,
  ).action(
    async (
      opts: CommonOptions & { every: number; jitter?: number; count?: number; orgToken?: string },
    ) => {
      const ui = uiFor(opts.lang);
      if (opts.orgToken !== undefined) throw new UsageError(ui.m.errors.orgToken);
      requireConsent(opts, ui);
      exitCode = await watchLoop(opts, ui);
    },
  );

  program
    .command('local')
    .description('what this PC holds: global addresses, listening catalog ports (no server needed)')
    .option('--json', 'print as JSON')
    .addOption(new Option('--lang <lang>', 'language of the output').choices(['ja', 'en']))
    .action(async (opts: { json?: boolean; lang?: string }) => {
      const ui = uiFor(opts.lang);
      const addresses = localAddresses();
      const listening = await listeningSockets();
      if (opts.json) {
        stdout.write(
          `${JSON.stringify(
            {
              addresses,
              holdsGlobalAddress: addresses.some((a) => a.class === 'global'),
              listening:
                listening.source === undefined
                  ? { source: null, why: listening.why, sockets: [] }
                  : listening,
            },
            null,
            2,
          )}\n`,
        );
      } else stdout.write(renderLocal(addresses, listening, ui.locale, ui.m, colours(stdout, env)));
      exitCode = EXIT.safe;
    });

  if (extra.serve) {
    const serve = extra.serve;
    program
      .command('serve')
      .description('start the selfscan service (configuration from SELFSCAN_* variables)')
      .action(async () => {
        process.off('SIGINT', onSigint); // the server has its own shutdown
        await serve();
      });
  }

  function failure(
    err: unknown,
    ui: Ui,
    opts: CommonOptions,
    link: string | undefined,
    signal: AbortSignal,
  ): number {
    if (interrupt.signal.aborted) {
      say(ui.m, link ? ui.m.errors.interruptedScan(link) : ui.m.errors.interrupted);
      return EXIT.interrupted;
    }
    let message: string;
    let code = 'error';
    if (err instanceof Declined) message = err.message;
    else if (signal.aborted) {
      message = ui.m.errors.timedOut(Math.round(opts.timeout / 60_000));
      code = 'timeout';
    } else if (err instanceof ApiClientError) {
      message = describeFailure(err, opts.server, ui.m);
      code = err.code;
    } else message = (err as Error).message;
    if (opts.json) stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    say(ui.m, message);
    return EXIT.failed;
  }

  async function watchLoop(
    opts: CommonOptions & { every: number; jitter?: number; count?: number },
    ui: Ui,
  ): Promise<number> {
    const jitter = opts.jitter ?? Math.round(opts.every / 10);
    const everyText = formatDuration(opts.every);
    let last: Snapshot | undefined;
    let lastCode: number = EXIT.failed;
    let failures = 0;
    let asked = !ui.interactive || opts.acceptTerms === true;
    for (let run = 0; opts.count === undefined || run < opts.count; run++) {
      const signal = AbortSignal.any([interrupt.signal, AbortSignal.timeout(opts.timeout)]);
      try {
        const { scan }: Diagnosis = await diagnose(
          { ...request(opts, everyText), acceptTerms: asked },
          { ...ui, progress: false },
          signal,
        );
        asked = true;
        const now: Snapshot = { at: new Date(), scan, addresses: localAddresses() };
        if (failures > 0) stderr.write(`${ui.m.watch.serverBack(clock(now.at))}\n`);
        failures = 0;
        if (!last)
          stderr.write(`${ui.m.watch.baseline(clock(now.at), scan.verdict ?? scan.status)}\n`);
        else for (const c of changesBetween(last, now, ui.m)) report(c, opts.json === true);
        last = now;
        lastCode = exitCodeFor(scan);
      } catch (err) {
        if (interrupt.signal.aborted) {
          say(ui.m, ui.m.errors.interrupted);
          return EXIT.interrupted;
        }
        if (err instanceof Declined) {
          say(ui.m, err.message);
          return EXIT.failed;
        }
        failures++;
        lastCode = EXIT.failed;
        const why =
          err instanceof ApiClientError
            ? describeFailure(err, opts.server, ui.m)
            : (err as Error).message;
        const retry = new Date(Date.now() + nextDelay(opts.every, 0, failures));
        stderr.write(`${ui.m.watch.serverDown(clock(new Date()), why, clock(retry))}\n`);
      }
      if (opts.count !== undefined && run + 1 >= opts.count) break;
      try {
        await sleep(nextDelay(opts.every, jitter, failures), interrupt.signal);
      } catch {
        say(ui.m, ui.m.errors.interrupted);
        return EXIT.interrupted;
      }
    }
    return lastCode;
  }

  function report(c: Change, json: boolean) {
    if (json) {
      const { text: _text, ...rest } = c;
      stdout.write(`${JSON.stringify(rest)}\n`);
    } else stdout.write(`${c.text}\n`);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with 0; every parse error, and bare `selfscan`, is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? EXIT.safe
        : EXIT.usage;
    }
    if (err instanceof UsageError) {
      stderr.write(`selfscan: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
