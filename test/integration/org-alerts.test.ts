// Alerts reach the organisation (issue 11), through the running service's own outbox dispatcher:
// a real SMTP server on loopback (smtp-server) receives the mail, a real HTTP receiver on loopback
// — allowed through SELFSCAN_WEBHOOK_ALLOW_RANGES — receives the webhook and verifies its
// signature, a failing receiver is retried with growing delays and the failure shows on the
// dashboard, and without the allow-list a loopback webhook is refused at connect. Password reset
// mail goes through the same SMTP server. All traffic stays on 127.0.0.0/8.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { newId } from '../../src/http/admin-auth.js';
import { type AlertEvent, enqueueAlerts } from '../../src/jobs/notify-org.js';
import {
  createWebhookAgent,
  postWebhook,
  WebhookRefusedError,
} from '../../src/jobs/webhook-client.js';
import type { OrgSettings } from '../../src/store/org-store.js';
import type { Store } from '../../src/store/store.js';
import { AdminClient, makeAccount, makeOrg, PASSWORD } from '../helpers/admin.js';
import { startTestService, type TestService } from '../helpers/service.js';

const RETRY_BASE_MS = 150;
const MAX_ATTEMPTS = 3;

interface Mail {
  to: string[];
  raw: string;
}
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort: number;

interface Hit {
  at: number;
  path: string;
  body: string;
  signature: string | undefined;
}
const hits: Hit[] = [];
let receiver: http.Server;
let receiverPort: number;

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Checks `t=<unix>,v1=<hex>` as a receiver would (docs/organisations.md). */
function verify(secret: string, header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const mac = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(mac, Buffer.from(m[2]!, 'hex'));
}

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hits.push({
        at: Date.now(),
        path: req.url ?? '',
        body,
        signature: req.headers['selfscan-signature'] as string | undefined,
      });
      res.statusCode = req.url?.startsWith('/fail') ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((r) => receiver.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
});

let scanNo = 0;
/** A finished diagnosis of the organisation with these TCP ports open (and 22 closed). */
async function diagnosis(store: Store, orgId: string, label: string | null, open: number[]) {
  const id = newId();
  const ports = [...new Set([22, ...open])];
  await store.createScan({
    id,
    code: `T-${++scanNo}`,
    requesterKey: `alerts-${id}`,
    address: '127.0.0.5',
    addressHash: null,
    family: 4,
    addressClass: 'loopback',
    ports: ports.map((port) => ({ port, protocol: 'tcp' as const })),
    label,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'default',
    createdAt: Date.now() - 1000 + scanNo,
  });
  await store.orgs.attachScan({
    scanId: id,
    orgId,
    linkId: null,
    tokenId: null,
    createdAt: Date.now(),
  });
  await store.appendResults(
    id,
    ports.map((port) => ({
      port,
      protocol: 'tcp' as const,
      state: open.includes(port) ? ('open' as const) : ('closed' as const),
      reason: open.includes(port) ? ('syn-ack' as const) : ('refused' as const),
      ms: 1,
    })),
  );
  await store.finishScan(id, {
    status: 'done',
    verdict: open.length ? 'exposed' : 'safe',
    finishedAt: Date.now(),
  });
  return (await store.getScan(id))!;
}

const settings = (s: Partial<OrgSettings>): OrgSettings => ({
  retentionDays: null,
  webhookUrl: null,
  webhookFormat: 'json',
  alertEmails: [],
  mutedPorts: [],
  ...s,
});

describe('alerts through the service (allow-list 127.0.0.0/8)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({
      SELFSCAN_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SELFSCAN_MAIL_FROM: 'selfscan@example.org',
      SELFSCAN_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
      SELFSCAN_ALERT_RETRY_BASE_MS: String(RETRY_BASE_MS),
      SELFSCAN_ALERT_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    });
  });
  after(() => svc.close());

  it('an exposed diagnosis: a signed webhook and an e-mail arrive, delivered on the dashboard', async () => {
    const store = svc.service.store;
    const org = await makeOrg(store, 'Alert Org');
    await store.orgs.updateOrgSettings(
      org,
      settings({
        webhookUrl: `http://127.0.0.1:${receiverPort}/ok/${org}`,
        alertEmails: ['it@example.org', 'ciso@example.org'],
      }),
    );
    const scan = await diagnosis(store, org, 'pc-042', [445]);
    assert.equal(await enqueueAlerts(store.orgs, scan, 'https://selfscan.example'), 3);
    const hit = await waitFor('the webhook', () => hits.find((h) => h.path === `/ok/${org}`));
    const { webhookSecret } = (await store.orgs.getOrg(org))!;
    assert.ok(verify(webhookSecret, hit.signature, hit.body), 'signature does not verify');
    assert.ok(!verify('another secret', hit.signature, hit.body));
    assert.ok(
      !verify(webhookSecret, hit.signature, `${hit.body} `),
      'a changed body still verifies',
    );
    const event = JSON.parse(hit.body) as AlertEvent;
    assert.equal(event.type, 'diagnosis.exposed');
    assert.equal(event.organisation.name, 'Alert Org');
    assert.deepEqual(event.diagnosis.openPorts, [445]);
    assert.equal(event.diagnosis.label, 'pc-042');
    assert.equal(
      event.diagnosis.dashboardUrl,
      `https://selfscan.example/admin/orgs/${org}/diagnoses/${scan.id}`,
    );

    await waitFor(
      'two mails',
      () => mails.filter((m) => m.raw.includes('pc-042')).length === 2 || undefined,
    );
    const mail = mails.find((m) => m.to.includes('it@example.org'))!;
    assert.match(mail.raw, /From: selfscan@example.org/);
    assert.match(mail.raw, /Subject: \[selfscan\] Alert Org: pc-042 exposed/);
    assert.match(mail.raw, /TCP\/445/);

    await waitFor(
      'delivered rows',
      async () =>
        (await store.orgs.listDeliveries(org, 10)).every((d) => d.status === 'delivered') ||
        undefined,
    );
    const client = new AdminClient(svc.service.app);
    await client.login(await makeAccount(store, 'org_admin', org));
    const page = await client.request('GET', `/admin/orgs/${org}?lang=en`);
    assert.equal(page.status, 200);
    assert.equal((page.body.match(/>delivered</g) ?? []).length, 3);
  });

  it('a failing receiver is retried with growing delays; the failure shows on the dashboard', async () => {
    const store = svc.service.store;
    const org = await makeOrg(store, 'Failing Org');
    await store.orgs.updateOrgSettings(
      org,
      settings({ webhookUrl: `http://127.0.0.1:${receiverPort}/fail/${org}` }),
    );
    const scan = await diagnosis(store, org, 'pc-7', [3389]);
    assert.equal(await enqueueAlerts(store.orgs, scan, undefined), 1);
    const delivery = await waitFor('the delivery to fail', async () => {
      const [d] = await store.orgs.listDeliveries(org, 1);
      return d?.status === 'failed' ? d : undefined;
    });
    assert.equal(delivery.attempts, MAX_ATTEMPTS);
    assert.match(delivery.lastError ?? '', /HTTP 500/);
    const tries = hits.filter((h) => h.path === `/fail/${org}`);
    assert.equal(tries.length, MAX_ATTEMPTS);
    // Backoff: base, then 2 × base (the dispatcher polls, so each gap is at least its delay).
    const gaps = tries.slice(1).map((h, i) => h.at - tries[i]!.at);
    assert.ok(gaps[0]! >= RETRY_BASE_MS, `first retry after ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 2 * RETRY_BASE_MS, `second retry after ${gaps[1]} ms`);

    const client = new AdminClient(svc.service.app);
    await client.login(await makeAccount(store, 'org_admin', org));
    const en = await client.request('GET', `/admin/orgs/${org}?lang=en`);
    assert.match(en.body, /data-testid="deliveries"/);
    assert.match(en.body, />failed</);
    assert.match(en.body, /webhook receiver answered HTTP 500/);
    const ja = await client.request('GET', `/admin/orgs/${org}?lang=ja`);
    assert.match(ja.body, />失敗</);
  });

  it('muted ports raise nothing; a port newly open for a label says so; Slack format', async () => {
    const store = svc.service.store;
    const org = await makeOrg(store, 'Muted Org');
    await store.orgs.updateOrgSettings(
      org,
      settings({
        webhookUrl: `http://127.0.0.1:${receiverPort}/slack/${org}`,
        webhookFormat: 'slack',
        mutedPorts: [22, 445],
      }),
    );
    assert.equal(
      await enqueueAlerts(store.orgs, await diagnosis(store, org, 'srv-1', [445]), undefined),
      0,
    );
    assert.equal(
      await enqueueAlerts(store.orgs, await diagnosis(store, org, 'srv-1', [445, 23]), undefined),
      1,
    );
    const hit = await waitFor('the Slack webhook', () =>
      hits.find((h) => h.path === `/slack/${org}`),
    );
    const body = JSON.parse(hit.body) as { text: string };
    assert.deepEqual(Object.keys(body), ['text']);
    assert.match(body.text, /newly reachable from the internet: TCP\/23/);
    assert.doesNotMatch(body.text, /445/);
    assert.ok(hit.signature);
  });

  it('password reset: the link arrives by mail, sets the password and ends the sessions', async () => {
    const store = svc.service.store;
    const org = await makeOrg(store, 'Reset Org');
    const email = await makeAccount(store, 'org_admin', org);
    const signedIn = new AdminClient(svc.service.app, '127.0.0.91');
    assert.equal((await signedIn.login(email)).status, 303);

    const client = new AdminClient(svc.service.app, '127.0.0.92');
    const asked = await client.post('/admin/reset', { email }, '/admin/reset');
    assert.equal(asked.status, 200);
    const unknown = await client.post(
      '/admin/reset',
      { email: 'nobody@example.org' },
      '/admin/reset',
    );
    assert.equal(
      unknown.body.replace(/name="_csrf" value="[^"]+"/, ''),
      asked.body.replace(/name="_csrf" value="[^"]+"/, ''),
    );
    const mail = await waitFor('the reset mail', () => mails.find((m) => m.to.includes(email)));
    const link = /https?:\/\/[^\s]+\/admin\/reset\/([A-Za-z0-9_-]+)/.exec(
      mail.raw.replace(/=\r?\n/g, ''),
    );
    assert.ok(link, 'no link in the mail');
    const path = `/admin/reset/${link[1]}`;
    assert.equal((await client.post(path, { password: 'short' }, path)).status, 400);
    const set = await client.post(path, { password: 'a brand new password' }, path);
    assert.equal(set.status, 303);
    assert.equal((await client.post(path, { password: 'another new password' }, path)).status, 400); // single use
    assert.equal((await signedIn.request('GET', `/admin/orgs/${org}`)).status, 401);
    assert.equal((await client.login(email, PASSWORD)).status, 401);
    assert.equal((await client.login(email, 'a brand new password')).status, 303);
  });
});

describe('webhooks to internal addresses', () => {
  it('are refused at connect without the allow-list (literal and resolved names)', async () => {
    const agent = createWebhookAgent([]);
    try {
      for (const url of [
        `http://127.0.0.1:${receiverPort}/refused`,
        `http://localhost:${receiverPort}/refused`,
        `http://[::1]:${receiverPort}/refused`,
        `http://[::ffff:127.0.0.1]:${receiverPort}/refused`,
      ]) {
        await assert.rejects(postWebhook(agent, url, '{}', 'secret'), (err: Error) => {
          const refused =
            err instanceof WebhookRefusedError || err.cause instanceof WebhookRefusedError;
          assert.ok(refused || /refused/.test(err.message), `${url}: ${err.message}`);
          return true;
        });
      }
      assert.equal(hits.filter((h) => h.path === '/refused').length, 0);
    } finally {
      await agent.close();
    }
  });

  it('a service without SELFSCAN_WEBHOOK_ALLOW_RANGES never reaches a loopback receiver', async () => {
    const svc = await startTestService({
      SELFSCAN_ALERT_RETRY_BASE_MS: '50',
      SELFSCAN_ALERT_MAX_ATTEMPTS: '2',
    });
    try {
      const store = svc.service.store;
      const org = await makeOrg(store, 'Loopback Org');
      await store.orgs.updateOrgSettings(
        org,
        settings({ webhookUrl: `http://127.0.0.1:${receiverPort}/ok/nolist` }),
      );
      await enqueueAlerts(store.orgs, await diagnosis(store, org, null, [445]), undefined);
      const d = await waitFor('the delivery to fail', async () => {
        const [x] = await store.orgs.listDeliveries(org, 1);
        return x?.status === 'failed' ? x : undefined;
      });
      assert.match(d.lastError ?? '', /127\.0\.0\.1 is loopback: refused/);
      assert.equal(hits.filter((h) => h.path === '/ok/nolist').length, 0);
    } finally {
      await svc.close();
    }
  });
});
