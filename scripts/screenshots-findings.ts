// Regenerates docs/screenshots/result-findings-{ja,en}-{desktop,mobile}.png: a diagnosis with the
// UDP and 詳細診断 opt-ins ticked, against REAL Debian peers in the namespace lab (samba with
// SMB1, sshd, xrdp, redis without a password, snmpd, memcached -U, telnetd; a minimal SSDP
// responder), through the real server and Debian's chromium in the lab's target namespace.
// The server runs with test/helpers/connect-log.mjs preloaded: at the end the script checks that
// every TCP and UDP connect() it made (probes, UDP sockets, identification) went to the browser's
// own address, and prints the count.
//
// Usage: sudo npx tsx scripts/screenshots-findings.ts
// Traffic: only the lab's addresses (198.18.0.0/15, 2001:2::/48), inside namespaces it creates.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  browserSupport,
  choosePorts,
  launchBrowser,
  saveScreenshot,
  startDiagnosis,
  startServer,
  waitForVerdict,
} from '../test/helpers/browser.js';
import { createLab, labSupport, REPO_ROOT } from '../test/helpers/lab.js';
import * as peers from '../test/helpers/real-peers.js';

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 375, height: 812 },
} as const;
const PORTS = [22, 23, 445, 3389, 6379];

for (const support of [labSupport(), browserSupport()]) {
  if (!support.ok) {
    console.error(`screenshots-findings: cannot run: ${support.why}`);
    process.exit(1);
  }
}
const missing = peers.missingPeerBinaries();
if (missing.length > 0) {
  console.error(`screenshots-findings: missing ${missing.join(', ')} (.ci/run installs them)`);
  process.exit(1);
}

const lab = await createLab();
const dir = mkdtempSync(join(tmpdir(), 'selfscan-findings-'));
const log = join(dir, 'connects.jsonl');
const started: peers.Peer[] = [];
const saved: string[] = [];
try {
  started.push(
    ...(await Promise.all([
      peers.startSamba(lab, { smb1: true, nmbd: true }),
      peers.startSshd(lab),
      peers.startXrdp(lab, 'negotiate'),
      peers.startRedis(lab),
      peers.startSnmpd(lab),
      peers.startMemcached(lab),
      peers.startTelnetd(lab),
      peers.startSsdp(lab),
    ])),
  );
  const server = await startServer(lab.scannerV4, {
    SELFSCAN_RATE_LIMIT_PER_ADDRESS: '20',
    SELFSCAN_RATE_LIMIT_PER_NETWORK: '60',
    NODE_OPTIONS: `--import ${join(REPO_ROOT, 'test', 'helpers', 'connect-log.mjs')}`,
    SELFSCAN_TEST_CONNECT_LOG: log,
  });
  try {
    for (const lang of ['ja', 'en'] as const) {
      for (const [device, viewport] of Object.entries(VIEWPORTS)) {
        const session = await launchBrowser({
          netns: lab.targetNs,
          locale: lang === 'ja' ? 'ja-JP' : 'en-US',
          viewport,
        });
        try {
          const { page } = session;
          await page.goto(`${server.origin}/`);
          await page.locator('#accept').check();
          await page.locator('#opt-udp').check();
          await page.locator('#opt-identify').check();
          await Promise.all([
            page.waitForURL(/\/choose(\?|$)/),
            page.locator('form[action="/accept"] button[type="submit"]').click(),
          ]);
          await choosePorts(page, PORTS);
          await startDiagnosis(page);
          await waitForVerdict(page, 90_000);
          saved.push(await saveScreenshot(page, `result-findings-${lang}-${device}`));
        } finally {
          await session.close();
        }
        await server.waitIdle(90_000);
      }
    }
  } finally {
    await server.stop();
  }
  const connects = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { layer: string; host: string; port: number });
  const foreign = connects.filter((c) => c.host !== lab.targetV4);
  const udp = connects.filter((c) => c.layer === 'udp' && c.host === lab.targetV4).length;
  console.log(
    `connects: ${connects.length} (${udp} UDP to the browser's address); elsewhere: ${JSON.stringify(foreign)}`,
  );
  if (foreign.length > 0) process.exitCode = 1;
} finally {
  await lab.close();
  peers.removePeerDirs(started);
  rmSync(dir, { recursive: true, force: true });
}
for (const f of saved) console.log(f);
