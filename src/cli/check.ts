// One diagnosis as `check` and `watch` run it: what will be probed, the consent (asked on a
// terminal, or given by --accept-terms), the scan with live progress, the final result.
import { createInterface } from 'node:readline/promises';
import type { AddressClass } from '../core/address.js';
import { type Locale, PRESET_LABELS, type PresetName, presetPorts } from '../core/catalog.js';
import { ApiClientError, createApiClient, type ScanResult } from './api-client.js';
import type { CliMessages } from './messages.js';
import { WIDTH, wrap } from './report.js';

export interface Ui {
  locale: Locale;
  m: CliMessages;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** A person can be asked (stdin and stderr are terminals). */
  interactive: boolean;
  /** Progress on stderr (stderr is a terminal). */
  progress: boolean;
}

export interface CheckRequest {
  server: string;
  ports?: number[];
  preset: PresetName;
  label?: string;
  acceptTerms: boolean;
  /** An organisation's report token (Authorization: Bearer): the diagnosis goes to its
   *  dashboard, and its token stands for the consent — no question, no consent token. */
  orgToken?: string;
  /** UDP probes of the preset's UDP entries, and service identification (issue 16): each an
   *  extra consent scope. */
  udp?: boolean;
  identify?: boolean;
  /** Shown in the consent question of `watch`. */
  repeatEvery?: string;
  /** --family (issue 15): undefined = both when the server announces family origins. */
  family?: '4' | '6' | 'both';
}

export class Declined extends Error {}

export const linkOf = (server: string, id: string) => `${server.replace(/\/+$/, '')}/r/${id}`;

/** Asks on the terminal; resolves true only for an explicit yes. */
async function ask(ui: Ui, lines: string[], signal: AbortSignal): Promise<boolean> {
  // Continuation lines indented under the text of their item.
  const wrapped = lines.flatMap((l) => {
    const lead = /^ */.exec(l)![0];
    const [first = '', ...rest] = wrap(l.trimStart(), WIDTH, `${lead}  `);
    return [lead + first.trimStart(), ...rest];
  });
  ui.stderr.write(`${wrapped.join('\n')}\n`);
  const rl = createInterface({ input: ui.stdin, output: ui.stderr, terminal: true });
  // readline takes Ctrl-C from the terminal itself: pass it on as the signal it would have been,
  // so that the question ends like any other interruption (exit 130).
  let sigint = false;
  rl.on('SIGINT', () => {
    sigint = true;
    process.kill(process.pid, 'SIGINT');
  });
  try {
    const answer = await rl.question(ui.m.consent.question, { signal });
    if (sigint) {
      // Ctrl-C and Enter in one read: the signal is on its way; let it land, never take "yes".
      await new Promise((resolve) => setTimeout(resolve, 100));
      throw signal.reason ?? new Declined(ui.m.consent.declined);
    }
    return /^(y|yes|はい)$/i.test(answer.trim());
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  } finally {
    rl.close();
  }
}

export interface Diagnosis {
  scan: ScanResult;
  link: string;
}

/** Consent → scan → result. Throws ApiClientError (no diagnosis), Declined, or the abort reason. */
export async function diagnose(
  req: CheckRequest,
  ui: Ui,
  signal: AbortSignal,
  onStarted?: (link: string) => void,
): Promise<Diagnosis> {
  let client = createApiClient(req.server, signal);
  let me = await client.me();
  // --family 4|6: the whole diagnosis goes through that family's origin (its DNS names only that
  // family), so the server sees this machine's address of that family; both: the main server
  // plus a ticket from each family origin.
  const origins = me.familyOrigins ?? {};
  const only = req.family === '4' ? origins.v4 : req.family === '6' ? origins.v6 : undefined;
  if (only) {
    client = createApiClient(only, signal);
    me = await client.me();
  }
  if (!me.allowed)
    throw new ApiClientError(
      'requester_not_allowed',
      ui.m.errors.notAllowed(me.reason ?? me.class),
    );
  const consent = req.orgToken
    ? undefined
    : await client.consent({
        ...(req.udp ? { udp: true } : {}),
        ...(req.identify ? { identify: true } : {}),
      });
  if (consent && !req.acceptTerms) {
    const { m } = ui;
    const count = req.ports?.length ?? presetPorts(req.preset).length;
    const what = req.ports ? req.ports.join(', ') : PRESET_LABELS[req.preset][ui.locale];
    const cls = m.addressClass[me.class as AddressClass] ?? me.class;
    const lines = [
      m.consent.intro(client.base),
      m.consent.address(me.address, me.family, cls),
      m.consent.ports(what.length > 50 ? `${what.slice(0, 49)}…` : what, count),
      m.consent.from(client.base),
      m.consent.terms(consent.termsVersion, `${client.base}/`),
      ...(req.udp ? [m.consent.udp] : []),
      ...(req.identify ? [m.consent.identify] : []),
      ...(req.repeatEvery ? [m.consent.repeat(req.repeatEvery)] : []),
    ];
    if (!(await ask(ui, lines, signal))) throw new Declined(m.consent.declined);
  }
  const tickets: string[] = [];
  if (!only && req.family !== '4' && req.family !== '6' && consent?.nonce) {
    for (const t of await Promise.all(
      [origins.v4, origins.v6].map((o) => (o ? client.ticket(o, consent!.nonce!) : null)),
    ))
      if (t) tickets.push(t);
  }
  const body = {
    ...(req.ports ? { ports: req.ports } : { preset: req.preset }),
    ...(req.label ? { label: req.label } : {}),
    ...(req.udp ? { udp: true } : {}),
    ...(req.identify ? { identify: true } : {}),
    ...(tickets.length > 0 ? { tickets } : {}),
  };
  const started = req.orgToken
    ? await client.startForOrg(body, req.orgToken)
    : await client.start(body, consent!.token);
  const link = linkOf(client.base, started.id);
  onStarted?.(link);
  const t0 = Date.now();
  let done = 0;
  let open = 0;
  let total = req.ports?.length ?? presetPorts(req.preset).length;
  const show = () => {
    if (ui.progress) ui.stderr.write(`\r${ui.m.progress(done, total, open)}\u001b[K`);
  };
  show();
  let scan: ScanResult;
  try {
    scan = await client.wait(started.id, (r) => {
      done++;
      if (r.state === 'open') open++;
      show();
    });
  } catch (err) {
    if (ui.progress) ui.stderr.write('\n'); // keep the last progress line above the message
    throw err;
  }
  total = scan.total;
  if (ui.progress)
    ui.stderr.write(
      `\r${ui.m.progressDone(total, ((Date.now() - t0) / 1000).toFixed(1))}\u001b[K\n`,
    );
  return { scan, link };
}

/** One line for an error that means "no diagnosis". */
export function describeFailure(err: ApiClientError, server: string, m: CliMessages): string {
  if (err.code === 'unreachable') return m.errors.unreachable(server, err.message);
  if (err.code === 'not_selfscan') return m.errors.notSelfscan(server);
  if (err.code === 'timeout') return err.message;
  if (err.status === undefined) return err.message;
  return m.errors.server(err.status, err.code, err.message);
}
