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
import { EXIT, exitCodeFor } from './exit-codes.js';
import { listeningSockets } from './listening-ports.js';
import { localAddresses, renderLocal } from './local-context.js';
import { type CliMessages, messagesFor, pickLocale } from './messages.js';
import { displayWidth, type Paint, renderReport } from './report.js';
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

/** The value parsers of the options, with their complaints in the user's language. */
function parsers(m: CliMessages) {
  return {
    portList(value: string): number[] {
      const ports = value
        .split(',')
        .map((p) => p.trim())
        .map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
      if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
        throw new InvalidArgumentError(m.usage.ports);
      if (new Set(ports).size !== ports.length) throw new InvalidArgumentError(m.usage.portTwice);
      return ports;
    },
    duration: (min: number) => (value: string) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < min)
        throw new InvalidArgumentError(m.usage.duration(min / 1000));
      return ms;
    },
    positiveInt(value: string) {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(m.usage.count);
      return Number(value);
    },
    serverUrl(value: string) {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {}
      if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
        throw new InvalidArgumentError(m.usage.url);
      return value.replace(/\/+$/, '');
    },
    orgToken(value: string) {
      if (!/^[A-Za-z0-9_-]{10,200}$/.test(value)) throw new InvalidArgumentError(m.errors.orgToken);
      return value;
    },
  };
}

/** --lang from the command line before commander parses it: the help and errors need it. */
function langInArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lang') return argv[i + 1];
    if (a.startsWith('--lang=')) return a.slice(7);
  }
  return undefined;
}

/** Commander's own usage errors, said in the user's language (English stays commander's). */
function usageMessage(err: CommanderError, m: CliMessages): string {
  const text = err.message.replace(/^error: /, '');
  const quoted = [...text.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
  switch (err.code) {
    case 'commander.unknownOption':
      return m.usage.unknownOption(quoted[0] ?? text);
    case 'commander.unknownCommand':
      return m.usage.unknownCommand(quoted[0] ?? text);
    case 'commander.invalidArgument': {
      const why = /is invalid\. (.*)$/s.exec(text)?.[1] ?? '';
      const choices = /^Allowed choices are (.*)\.$/.exec(why);
      return m.usage.invalidValue(
        quoted[0] ?? '',
        quoted[1] ?? '',
        choices ? m.usage.choices(choices[1]!) : why,
      );
    }
    case 'commander.optionMissingArgument':
      return m.usage.missingValue(quoted[0] ?? text);
    case 'commander.excessArguments':
      return m.usage.excessArguments;
    default:
      return text;
  }
}

/** `selfscan … | head`: a reader that goes away early is not an error worth a stack trace. */
function onPipeError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

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
  /** An organisation's report token: its consent stands for the person's (issue 11). */
  orgToken?: string;
  udp?: boolean;
  identify?: boolean;
  lang?: 'ja' | 'en';
  timeout: number;
  family?: '4' | '6' | 'both';
}

function addDiagnosisOptions(cmd: Command, env: NodeJS.ProcessEnv, m: CliMessages): Command {
  const p = parsers(m);
  const h = m.help;
  return cmd
    .addOption(
      new Option('-s, --server <url>', h.server)
        .default(env.SELFSCAN_SERVER ?? 'http://localhost:8080')
        .argParser(p.serverUrl),
    )
    .addOption(
      new Option('-p, --preset <name>', h.preset)
        .choices(['core', 'service', 'all'])
        .default('core'),
    )
    .option('--ports <list>', h.ports, p.portList)
    .addOption(new Option('--family <family>', h.family).choices(['4', '6', 'both']))
    .option('--label <text>', h.label)
    .option('--org-token <token>', h.orgToken, p.orgToken)
    .option('--accept-terms', h.acceptTerms)
    .option('--udp', h.udp)
    .option('--identify', h.identify)
    .option('--json', h.json)
    .addOption(new Option('--lang <lang>', h.lang).choices(['ja', 'en']))
    .addOption(
      new Option('--timeout <duration>', h.timeout)
        .default(60 * 60_000, '1h')
        .argParser(p.duration(1000)),
    );
}

/** Help in the user's language: commander's section titles and "default"/"choices" too. */
function localHelp(m: CliMessages) {
  return {
    styleTitle: (title: string) =>
      m.help.titles[title as keyof CliMessages['help']['titles']] ?? title,
    displayWidth: (text: string) => displayWidth(text),
    optionDescription(option: Option) {
      const extra: string[] = [];
      if (option.argChoices) extra.push(`${m.help.choices}: ${option.argChoices.join(', ')}`);
      if (option.defaultValue !== undefined && !option.negate)
        extra.push(
          `${m.help.default}: ${option.defaultValueDescription ?? String(option.defaultValue)}`,
        );
      return extra.length ? `${option.description} (${extra.join(', ')})` : option.description;
    },
  };
}

export async function runCli(
  argv: readonly string[],
  io: CliEnv = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  },
  extra: {
    serve?: () => Promise<unknown>;
    worker?: () => Promise<unknown>;
    /** `selfscan admin create` (bin/admin.ts): an account in the server's database. */
    adminCreate?: (opts: { email: string; org?: string }, io: CliEnv) => Promise<number>;
  } = {},
): Promise<number> {
  const { env, stdout, stderr } = io;
  if (!stdout.listeners('error').includes(onPipeError)) stdout.on('error', onPipeError);
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
    if (!opts.acceptTerms && opts.orgToken === undefined && !ui.interactive)
      throw new UsageError(ui.m.consent.needed(opts.server));
  };
  const request = (opts: CommonOptions, repeatEvery?: string): CheckRequest => ({
    server: opts.server,
    preset: opts.preset,
    ...(opts.ports ? { ports: opts.ports } : {}),
    ...(opts.label ? { label: opts.label } : {}),
    acceptTerms: opts.acceptTerms === true,
    ...(opts.orgToken ? { orgToken: opts.orgToken } : {}),
    ...(opts.udp ? { udp: true } : {}),
    ...(opts.identify ? { identify: true } : {}),
    ...(repeatEvery ? { repeatEvery } : {}),
    ...(opts.family ? { family: opts.family } : {}),
  });

  // The language of help and usage errors: --lang if given (commander has not parsed yet), else
  // the locale; each command's output then uses its own parsed --lang the same way.
  const m0 = messagesFor(pickLocale(langInArgv(argv), env));
  const h = m0.help;
  const p = parsers(m0);
  const program = new Command('selfscan')
    .description(h.program)
    .version(cliVersion(), '-V, --version', h.version)
    .helpOption('-h, --help', h.helpOption)
    .helpCommand('help [command]', h.helpCommand)
    .exitOverride()
    .configureHelp(localHelp(m0))
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
      outputError: () => {}, // said in the catch below, in the user's language
    })
    .addHelpText('after', `\n${h.exitCodes}\n`);

  addDiagnosisOptions(
    program.command('check').description(h.check).addHelpText('after', `\n${h.exitCodes}\n`),
    env,
    m0,
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
      .description(h.watch)
      .addOption(
        new Option('--every <duration>', h.every)
          .default(6 * 3_600_000, '6h')
          .argParser(p.duration(1000)),
      )
      .addOption(new Option('--jitter <duration>', h.jitter).argParser(p.duration(0)))
      .option('--count <n>', h.count, p.positiveInt)
      .addHelpText('after', `\n${h.exitCodes}\n${h.watchExit}\n`),
    env,
    m0,
  ).action(async (opts: CommonOptions & { every: number; jitter?: number; count?: number }) => {
    const ui = uiFor(opts.lang);
    requireConsent(opts, ui);
    exitCode = await watchLoop(opts, ui);
  });

  program
    .command('local')
    .description(h.local)
    .option('--json', h.localJson)
    .addOption(new Option('--lang <lang>', h.lang).choices(['ja', 'en']))
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
      .description(h.serve)
      .action(async () => {
        process.off('SIGINT', onSigint); // the server has its own shutdown
        await serve();
      });
  }

  if (extra.adminCreate) {
    const adminCreate = extra.adminCreate;
    program
      .command('admin')
      .description('Dashboard accounts (in the database of SELFSCAN_DATABASE_URL).')
      .command('create')
      .description(
        'Create the operator (or, with --org, an organisation administrator). The password is read from the terminal, or from the first line of standard input.',
      )
      .requiredOption('--email <email>', 'e-mail address to sign in with')
      .option('--org <id>', "an organisation's id: create an administrator of that organisation")
      .action(async (opts: { email: string; org?: string }) => {
        exitCode = await adminCreate(opts, io);
      });
  }
  if (extra.worker) {
    const worker = extra.worker;
    program
      .command('worker')
      .description(h.worker)
      .option('--vantage <name>', h.vantage)
      .action(async (opts: { vantage?: string }) => {
        process.off('SIGINT', onSigint); // the worker has its own shutdown
        if (opts.vantage !== undefined) process.env.SELFSCAN_VANTAGE = opts.vantage;
        await worker();
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
      let trouble: string | undefined; // why this run gave no result to compare
      try {
        const { scan }: Diagnosis = await diagnose(
          { ...request(opts, everyText), acceptTerms: asked },
          { ...ui, progress: false },
          signal,
        );
        asked = true;
        lastCode = exitCodeFor(scan);
        if (scan.status !== 'done') {
          trouble = ui.m.verdict.failed(scan.error?.message ?? scan.error?.code ?? '?');
        } else {
          const now: Snapshot = { at: new Date(), scan, addresses: localAddresses() };
          if (failures > 0) stderr.write(`${ui.m.watch.serverBack(clock(now.at))}\n`);
          failures = 0;
          if (!last) stderr.write(`${ui.m.watch.baseline(clock(now.at), scan.verdict ?? '?')}\n`);
          else for (const c of changesBetween(last, now, ui.m)) report(c, opts.json === true);
          last = now;
        }
      } catch (err) {
        if (interrupt.signal.aborted) {
          say(ui.m, ui.m.errors.interrupted);
          return EXIT.interrupted;
        }
        if (err instanceof Declined) {
          say(ui.m, err.message);
          return EXIT.failed;
        }
        lastCode = EXIT.failed;
        trouble =
          err instanceof ApiClientError
            ? describeFailure(err, opts.server, ui.m)
            : (err as Error).message;
      }
      if (trouble !== undefined) failures++;
      const more = opts.count === undefined || run + 1 < opts.count;
      const delay = nextDelay(opts.every, jitter, failures);
      if (trouble !== undefined) {
        const retry = more ? clock(new Date(Date.now() + delay)) : undefined;
        stderr.write(`${ui.m.watch.serverDown(clock(new Date()), trouble, retry)}\n`);
      }
      if (!more) break;
      try {
        await sleep(delay, interrupt.signal);
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
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        return EXIT.safe;
      // `help <command>` is help asked for (0); bare `selfscan` prints the help as an error (64).
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.safe : EXIT.usage;
      stderr.write(`selfscan: ${usageMessage(err, m0)}\n${m0.usage.seeHelp}\n`);
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      stderr.write(`selfscan: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    // onPipeError stays: the EPIPE of a write made now arrives after this function returns.
  }
}
