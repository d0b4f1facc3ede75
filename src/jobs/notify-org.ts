// Alerts to an organisation when one of its diagnoses is exposed (an open port that is not
// muted), or when a port newly opens for a label that was diagnosed before. Delivered through a
// store-backed outbox (alert_deliveries), not through the scan queue: an alert must survive a
// restart between "the scan finished" and "the receiver answered", must be retried for hours
// with backoff while a receiver is down, and its state (pending, failed and why) is what the
// dashboard shows — all of which a table gives on SQLite and PostgreSQL alike, with or without
// Redis. The dispatcher claims due rows with a conditional UPDATE, so several processes can run
// it at once.
import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import type { Delivery, Org, OrgStore } from '../store/org-store.js';
import type { ScanRecord } from '../store/store.js';
import type { Mailer } from './mailer.js';
import { postWebhook } from './webhook-client.js';

export interface AlertEvent {
  type: 'diagnosis.exposed' | 'port.opened';
  organisation: { id: string; name: string };
  diagnosis: {
    id: string;
    code: string;
    label: string | null;
    createdAt: string;
    address: string;
    family: 4 | 6;
    class: string;
    verdict: string | null;
    openPorts: number[];
    /** Ports open now that were not open in the label's previous diagnosis. */
    newlyOpen: number[];
    /** The diagnosis on the dashboard (absolute when SELFSCAN_PUBLIC_ORIGIN is set). */
    dashboardUrl: string;
  };
}

/** The alerts a finished scan raises (none when it is not an organisation's, or muted). */
export async function enqueueAlerts(
  orgs: OrgStore,
  scan: ScanRecord,
  origin: string | undefined,
  now = Date.now(),
): Promise<number> {
  if (scan.status !== 'done') return 0;
  const member = await orgs.orgOfScan(scan.id);
  if (!member) return 0;
  const org = await orgs.getOrg(member.orgId);
  if (!org) return 0;
  const muted = new Set(org.mutedPorts);
  const open = scan.results
    .filter((r) => r.state === 'open' && r.protocol === 'tcp')
    .map((r) => r.port)
    .sort((a, b) => a - b);
  const alerting = open.filter((p) => !muted.has(p));
  const previous =
    scan.label !== null
      ? await orgs.previousOpenPorts(org.id, scan.label, scan.createdAt, scan.id)
      : undefined;
  const newlyOpen = previous === undefined ? [] : alerting.filter((p) => !previous.includes(p));
  if (alerting.length === 0) return 0;
  const event: AlertEvent = {
    type: previous !== undefined && newlyOpen.length > 0 ? 'port.opened' : 'diagnosis.exposed',
    organisation: { id: org.id, name: org.name },
    diagnosis: {
      id: scan.id,
      code: scan.code,
      label: scan.label,
      createdAt: new Date(scan.createdAt).toISOString(),
      address: scan.address,
      family: scan.family,
      class: scan.addressClass,
      verdict: scan.verdict,
      openPorts: alerting,
      newlyOpen,
      dashboardUrl: `${origin ?? ''}/admin/orgs/${org.id}/diagnoses/${scan.id}`,
    },
  };
  const payload = JSON.stringify(event);
  const deliveries = [
    ...(org.webhookUrl ? [{ channel: 'webhook' as const, target: org.webhookUrl }] : []),
    ...org.alertEmails.map((to) => ({ channel: 'email' as const, target: to })),
  ].map((d) => ({
    ...d,
    id: randomBytes(12).toString('base64url'),
    orgId: org.id,
    scanId: scan.id,
    payload,
    createdAt: now,
  }));
  await orgs.enqueueDeliveries(deliveries);
  return deliveries.length;
}

export function alertText(e: AlertEvent): string {
  const d = e.diagnosis;
  const who = d.label ? `"${d.label}"` : `code ${d.code}`;
  const ports = (e.type === 'port.opened' ? d.newlyOpen : d.openPorts).map((p) => `TCP/${p}`);
  const what =
    e.type === 'port.opened'
      ? `newly reachable from the internet: ${ports.join(', ')}`
      : `reachable from the internet: ${ports.join(', ')}`;
  return `selfscan (${e.organisation.name}): ${who} at ${d.address} — ${what}. ${d.dashboardUrl}`;
}

/** The webhook body in the organisation's chosen format. */
export function webhookBody(org: Pick<Org, 'webhookFormat'>, e: AlertEvent): string {
  if (org.webhookFormat === 'slack') return JSON.stringify({ text: alertText(e) });
  if (org.webhookFormat === 'teams')
    // A Teams "Workflows" webhook takes a message with an Adaptive Card attachment.
    return JSON.stringify({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [{ type: 'TextBlock', text: alertText(e), wrap: true }],
          },
        },
      ],
    });
  return JSON.stringify(e);
}

export interface DispatcherDeps {
  orgs: OrgStore;
  agent: Agent;
  mailer: Mailer | undefined;
  retryBaseMs: number;
  maxAttempts: number;
  log: { warn: (obj: object, msg: string) => void };
}

/** Delay before attempt n+1 after n failed attempts: base · 2^(n-1), at most 6 hours. */
export function backoffMs(baseMs: number, failedAttempts: number): number {
  return Math.min(6 * 3_600_000, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

async function deliver(deps: DispatcherDeps, d: Delivery): Promise<void> {
  const event = JSON.parse(d.payload) as AlertEvent;
  if (d.channel === 'webhook') {
    const org = await deps.orgs.getOrg(d.orgId);
    if (!org) throw new Error('organisation deleted');
    await postWebhook(deps.agent, d.target, webhookBody(org, event), org.webhookSecret);
    return;
  }
  if (!deps.mailer) throw new Error('no SMTP server configured (SELFSCAN_SMTP_URL)');
  await deps.mailer.send({
    to: d.target,
    subject: `[selfscan] ${event.organisation.name}: ${event.diagnosis.label ?? event.diagnosis.code} exposed`,
    text: `${alertText(event)}\n`,
  });
}

/** One pass: delivers what is due. Returns how many it attempted. */
export async function dispatchDue(deps: DispatcherDeps, now = Date.now()): Promise<number> {
  const due = await deps.orgs.claimDueDeliveries(now, 20, 60_000);
  await Promise.all(
    due.map(async (d) => {
      const attempts = d.attempts + 1;
      try {
        await deliver(deps, d);
        await deps.orgs.markDelivered(d.id, Date.now(), attempts);
      } catch (err) {
        const reason = errorText(err);
        deps.log.warn(
          { delivery: d.id, channel: d.channel, attempts },
          `alert not delivered: ${reason}`,
        );
        if (attempts >= deps.maxAttempts) await deps.orgs.markFailed(d.id, attempts, reason);
        else
          await deps.orgs.markRetry(
            d.id,
            attempts,
            Date.now() + backoffMs(deps.retryBaseMs, attempts),
            reason,
          );
      }
    }),
  );
  return due.length;
}

function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { message?: string } };
  const cause = e.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
  return `${e.message ?? String(err)}${cause}`.slice(0, 300);
}

/** Runs dispatchDue every `intervalMs` until stopped. */
export function startAlertDispatcher(deps: DispatcherDeps, intervalMs: number) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await dispatchDue(deps);
    } catch (err) {
      deps.log.warn({ err }, 'alert dispatcher pass failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    /** Runs a pass now (tests, and right after a scan raised alerts). */
    kick: () => tick(),
  };
}
