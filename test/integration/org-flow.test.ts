// An organisation end to end on loopback (issue 11): the operator creates an organisation and a
// diagnosis link through the dashboard's forms; a user opens the link, is told before consenting
// that the result goes to the organisation, gives a label, and diagnoses their own address (a real
// scan of 127.0.0.31 with a listener open); the consent records the organisation; the dashboard,
// the CSV and the JSON API show the diagnosis; the webhook fires. A managed PC reports in with
// `Authorization: Bearer <report token>` and with `selfscan check --org-token` — its target is
// still its own address.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient, makeAccount } from '../helpers/admin.js';
import { REPO_ROOT } from '../helpers/lab.js';
import { startTestService, type TestService } from '../helpers/service.js';

const USER = '127.0.0.31';
const PC = '127.0.0.32';

let svc: TestService;
let listener: net.Server;
let openPort: number;
let receiver: http.Server;
let receiverPort: number;
const hooks: string[] = [];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  // Open on the user's and the managed PC's addresses (and 127.0.0.1, for the CLI).
  listener = net.createServer((s) => s.on('error', () => {}).destroy());
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  openPort = (listener.address() as net.AddressInfo).port;
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hooks.push(body);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as net.AddressInfo).port;
  svc = await startTestService({
    SELFSCAN_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
    SELFSCAN_ALERT_RETRY_BASE_MS: '100',
  });
});
after(async () => {
  await svc.close();
  await new Promise((r) => listener.close(r));
  await new Promise((r) => receiver.close(r));
});

describe('an organisation, from link to dashboard', () => {
  let orgId: string;
  let admin: AdminClient;
  let linkPath: string;

  it('the operator creates the organisation, a link with a required label, and a webhook', async () => {
    const email = await makeAccount(svc.service.store, 'operator');
    admin = new AdminClient(svc.service.app);
    assert.equal((await admin.login(email)).status, 303);
    const created = await admin.post('/admin/orgs', { name: 'Example Corp' }, '/admin');
    assert.equal(created.status, 303);
    orgId = /^\/admin\/orgs\/([^/]+)$/.exec(String(created.headers.location))![1]!;
    const link = await admin.post(
      `/admin/orgs/${orgId}/links`,
      { name: 'Laptops', labelMode: 'required', expiresDays: '30' },
      `/admin/orgs/${orgId}/links`,
    );
    assert.equal(link.status, 303);
    const page = await admin.request('GET', `/admin/orgs/${orgId}/links?lang=en`);
    const url = /<code class="link-url">([^<]+)<\/code>/.exec(page.body)?.[1];
    assert.ok(url, 'no link on the links page');
    linkPath = new URL(url).pathname;
    assert.match(linkPath, /^\/o\/[A-Za-z0-9_-]{43}$/); // 256 bits
    const saved = await admin.post(
      `/admin/orgs/${orgId}/settings`,
      {
        webhookUrl: `http://127.0.0.1:${receiverPort}/hook`,
        webhookFormat: 'json',
        retentionDays: '90',
      },
      `/admin/orgs/${orgId}/settings`,
    );
    assert.equal(saved.status, 303);
  });

  it('a user is told before consenting, gives a label, and diagnoses their own address', async () => {
    const user = new AdminClient(svc.service.app, USER);
    for (const lang of ['ja', 'en'] as const) {
      const first = await user.request('GET', `${linkPath}?lang=${lang}`);
      assert.equal(first.status, 200);
      assert.match(first.body, /data-testid="shared-with"/);
      assert.match(
        first.body,
        lang === 'ja'
          ? /診断結果は「Example Corp」に共有されます/
          : /Your result will be shared with Example Corp/,
      );
      assert.match(first.body, new RegExp(`action="${linkPath}/accept"`));
    }
    const noLabel = await user.post(`${linkPath}/accept`, { accept: 'yes' }, linkPath);
    assert.equal(noLabel.status, 400);
    const accepted = await user.post(
      `${linkPath}/accept`,
      { accept: 'yes', label: 'PC-0042' },
      linkPath,
    );
    assert.equal(accepted.status, 303);
    assert.equal(accepted.headers.location, '/choose');
    const consent = svc
      .db()
      .prepare(
        'select org_id, org_link_id, org_label from consents order by created_at desc limit 1',
      )
      .get() as { org_id: string; org_link_id: string; org_label: string };
    assert.equal(consent.org_id, orgId);
    assert.ok(consent.org_link_id);
    assert.equal(consent.org_label, 'PC-0042');

    const started = await user.post(
      '/start',
      { preset: 'custom', ports: String(openPort) },
      `/confirm?ports=${openPort}`,
    );
    assert.equal(started.status, 303, started.body.slice(0, 300));
    const id = /^\/r\/(.+)$/.exec(String(started.headers.location))![1]!;
    const scan = await waitFor('the diagnosis', async () => {
      const s = await svc.service.store.getScan(id);
      return s?.status === 'done' ? s : undefined;
    });
    assert.equal(scan.address, USER);
    assert.equal(scan.verdict, 'exposed');
    assert.equal(scan.label, 'PC-0042');
  });

  it('the dashboard, the CSV and the JSON API show it; the webhook fired', async () => {
    const page = await admin.request('GET', `/admin/orgs/${orgId}?lang=en`);
    assert.equal(page.status, 200);
    assert.match(page.body, /PC-0042/);
    assert.match(page.body, new RegExp(`TCP/${openPort}`));
    assert.match(page.body, /<svg class="chart"/);
    const exposed = await admin.request('GET', `/admin/orgs/${orgId}?exposed=1&port=${openPort}`);
    assert.match(exposed.body, /PC-0042/);
    const otherPort = await admin.request('GET', `/admin/orgs/${orgId}?port=1`);
    assert.doesNotMatch(otherPort.body, /PC-0042/);

    const csv = await admin.request('GET', `/admin/orgs/${orgId}/diagnoses.csv`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const [header, row] = csv.body.trim().split('\r\n');
    assert.equal(
      header,
      'created_at,code,label,status,verdict,address,family,class,open_ports,ports_tested,via',
    );
    assert.match(
      row!,
      new RegExp(
        `,PC-0042,done,exposed,${USER.replace(/\./g, '\\.')},4,loopback,${openPort},1,link:Laptops$`,
      ),
    );

    const json = await admin.request('GET', `/api/v1/orgs/${orgId}/diagnoses`, undefined, {
      accept: 'application/json',
    });
    assert.equal(json.status, 200);
    const body = JSON.parse(json.body);
    assert.equal(body.organisation.name, 'Example Corp');
    assert.equal(body.diagnoses[0].label, 'PC-0042');
    assert.deepEqual(body.diagnoses[0].openPorts, [openPort]);
    const bad = await admin.request('GET', `/api/v1/orgs/${orgId}/diagnoses?port=x`, undefined, {
      accept: 'application/json',
    });
    assert.equal(bad.status, 400);

    const hook = await waitFor('the webhook', () => hooks.find((h) => h.includes('PC-0042')));
    assert.equal(JSON.parse(hook).diagnosis.address, USER);

    const spec = await admin.request('GET', '/openapi.json');
    assert.ok(JSON.parse(spec.body).paths['/api/v1/orgs/{org}/diagnoses']);
  });

  it('a revoked link is not found', async () => {
    const links = await svc.service.store.orgs.listLinks(orgId);
    const revoked = await admin.post(
      `/admin/orgs/${orgId}/links/${links[0]!.id}/revoke`,
      {},
      `/admin/orgs/${orgId}/links`,
    );
    assert.equal(revoked.status, 303);
    const user = new AdminClient(svc.service.app, USER);
    assert.equal((await user.request('GET', linkPath)).status, 404);
  });

  it('a managed PC reports in with its report token; its own address is the target', async () => {
    const created = await admin.post(
      `/admin/orgs/${orgId}/tokens`,
      { name: 'Managed PCs', kind: 'report' },
      `/admin/orgs/${orgId}/tokens`,
    );
    const token = /data-testid="new-token">([^<]+)</.exec(created.body)?.[1];
    assert.ok(token, 'token not shown');
    const bad = await svc.request({
      from: PC,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { authorization: 'Bearer ssorg_notatokenatall' },
      body: { ports: [openPort] },
    });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.code, 'login_required');
    const res = await svc.request({
      from: PC,
      method: 'POST',
      path: '/api/v1/scans',
      headers: { authorization: `Bearer ${token}` },
      body: { ports: [openPort], label: 'srv-7' },
    });
    assert.equal(res.status, 202, res.text);
    const scan = await svc.waitForScan(res.json.id);
    assert.equal(scan.address, PC);
    assert.equal(scan.verdict, 'exposed');
    const rows = await svc.service.store.orgs.listDiagnoses(orgId);
    const row = rows.find((r) => r.id === res.json.id);
    assert.deepEqual(row?.via, { kind: 'token', name: 'Managed PCs' });

    // `selfscan check --org-token`: no consent question, no --accept-terms.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          [
            join(REPO_ROOT, 'bin', 'selfscan.mjs'),
            'check',
            '--server',
            `http://127.0.0.1:${svc.port}`,
            '--org-token',
            token,
            '--ports',
            String(openPort),
            '--label',
            'cli-pc',
            '--json',
          ],
          { timeout: 60_000, env: { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8' } },
          (err, stdout, stderr) =>
            resolve({
              code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
              stdout,
              stderr,
            }),
        );
        child.stdin?.end();
      },
    );
    assert.equal(run.code, 1, run.stderr); // exposed
    const cliScan = JSON.parse(run.stdout);
    assert.equal(cliScan.address, '127.0.0.1');
    const after = await svc.service.store.orgs.listDiagnoses(orgId);
    assert.ok(after.some((r) => r.label === 'cli-pc' && r.via?.kind === 'token'));
  });
});
