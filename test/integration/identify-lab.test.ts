// UDP probes and service identification against REAL peers from Debian packages, started inside
// the namespace lab's target namespace (test/helpers/real-peers.ts), both families; a capture on
// the lab link proves what each peer received; hostile peers cannot stall a diagnosis past its
// caps or grow memory. Where no Debian package fits (SSDP; NTP mode 6, which Debian's ntpsec
// does not answer in the lab) a minimal responder (minimal-peers.mjs) stands in, named as such.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import * as dnsPacket from 'dns-packet';
import type { Finding } from '../../src/core/findings.js';
import { IDENTIFY_BYTE_CAP, tcpExchange } from '../../src/core/identify/exchange.js';
import { headRequest } from '../../src/core/identify/http.js';
import { identifyOpenPorts, identifyPort } from '../../src/core/identify/index.js';
import { PROTOCOL_RDP, PROTOCOL_SSL, x224ConnectionRequest } from '../../src/core/identify/rdp.js';
import { REDIS_INFO_SERVER, REDIS_PING } from '../../src/core/identify/redis.js';
import {
  NBSS_SESSION_REQUEST,
  SMB1_NEGOTIATE,
  SMB2_NEGOTIATE,
} from '../../src/core/identify/smb.js';
import type { PortResult } from '../../src/core/port-state.js';
import { scanAll } from '../../src/core/scan.js';
import { DNS_TEST_DOMAIN, MDNS_QUERY } from '../../src/core/udp/dns.js';
import { type UdpAnswer, udpFindings, udpRequestFor } from '../../src/core/udp/index.js';
import { MEMCACHED_REQUEST } from '../../src/core/udp/memcached.js';
import { NBNS_NODE_STATUS } from '../../src/core/udp/netbios.js';
import { NTP_CLIENT_REQUEST, NTP_READVAR_REQUEST } from '../../src/core/udp/ntp.js';
import { SSDP_REQUEST } from '../../src/core/udp/ssdp.js';
import { udpProber } from '../../src/core/udp-probe.js';
import { createLab, type Lab, labSupport, requireLab } from '../helpers/lab.js';
import { canonical, readPcap, tcpStreams } from '../helpers/pcap.js';
import * as peers from '../helpers/real-peers.js';

const UDP_PORTS = [53, 123, 137, 161, 1900, 5353, 9999, 11211];
const TCP_PORTS = [22, 23, 80, 139, 445, 3389, 6379];

function requirePeers(t: TestContext): boolean {
  if (!requireLab(t)) return false;
  const missing = peers.missingPeerBinaries();
  if (missing.length === 0) return true;
  const why = `peer binaries missing: ${missing.join(', ')} (.ci/run installs them)`;
  if (process.env.CI === 'true') throw new Error(why);
  process.stderr.write(`\n*** PEERS SKIPPED: ${why} — identification tests did NOT run ***\n\n`);
  t.skip(why);
  return false;
}

const ids = (fs: readonly Finding[], port: number) =>
  fs
    .filter((f) => f.port === port)
    .map((f) => f.id)
    .sort();

async function udpScan(address: string, family: 4 | 6, ports: number[]) {
  const answers: UdpAnswer[] = [];
  const results = await scanAll({ address, family }, ports, {
    prober: udpProber({ onAnswer: (a) => answers.push(a) }),
  });
  const findings = await udpFindings({ address, family }, answers);
  return { results: new Map(results.map((r) => [r.port, r])), findings };
}

const state = (r: PortResult | undefined) => (r ? `${r.state}/${r.reason}` : 'missing');

describe('real peers: UDP exposure and identification', { concurrency: false }, () => {
  let lab: Lab | undefined;
  let started: peers.Peer[] = [];
  let captureDir = '';
  let capture: { stop(): Promise<string> } | undefined;
  const runs: Record<4 | 6, { udp?: Awaited<ReturnType<typeof udpScan>>; tcp?: Finding[] }> = {
    4: {},
    6: {},
  };

  before(async () => {
    if (!labSupport().ok || peers.missingPeerBinaries().length > 0) return;
    lab = await createLab();
    captureDir = mkdtempSync(join(tmpdir(), 'selfscan-capture-'));
    capture = await peers.startCapture(lab, captureDir);
    started = await Promise.all([
      peers.startSamba(lab, { smb1: true, nmbd: true }),
      peers.startSshd(lab),
      peers.startXrdp(lab, 'negotiate'),
      peers.startRedis(lab),
      peers.startSnmpd(lab),
      peers.startDnsmasq(lab, true),
      peers.startMemcached(lab),
      peers.startNtpd(lab),
      peers.startTelnetd(lab),
      peers.startHttpd(lab),
      peers.startSsdp(lab),
    ]);
    // Ground truth for the two states a real peer does not give: an explicit ICMP port
    // unreachable (closed) and silence (filtered / no-response).
    await lab.addTargetInputRule('udp dport 5353 reject with icmpx type port-unreachable');
    await lab.addTargetInputRule('udp dport 9999 drop');
    for (const family of [4, 6] as const) {
      const address = family === 4 ? lab.targetV4 : lab.targetV6;
      runs[family].udp = await udpScan(address, family, UDP_PORTS);
      const tcp = await scanAll({ address, family }, TCP_PORTS);
      const open = tcp.filter((r) => r.state === 'open').map((r) => r.port);
      runs[family].tcp = await identifyOpenPorts({ address, family }, open);
    }
  });
  after(async () => {
    await capture?.stop().catch(() => {});
    await lab?.close();
    peers.removePeerDirs(started);
    if (captureDir) rmSync(captureDir, { recursive: true, force: true });
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: every real UDP responder is open, the reject rule closed, the drop rule no-response`, (t) => {
      if (!requirePeers(t)) return;
      const r = runs[family].udp!.results;
      for (const port of [53, 123, 161, 1900, 11211]) {
        assert.equal(state(r.get(port)), 'open/udp-response', `udp/${port}`);
      }
      // nmbd (NetBIOS) is IPv4 only: over IPv6 the kernel refuses the port.
      assert.equal(
        state(r.get(137)),
        family === 4 ? 'open/udp-response' : 'closed/port-unreachable',
      );
      assert.equal(state(r.get(5353)), 'closed/port-unreachable');
      assert.equal(state(r.get(9999)), 'filtered/no-response');
      for (const result of r.values()) assert.equal(result.protocol, 'udp');
    });

    it(`IPv${family}: UDP findings from snmpd, dnsmasq, memcached, nmbd and the SSDP responder`, (t) => {
      if (!requirePeers(t)) return;
      const f = runs[family].udp!.findings;
      assert.deepEqual(ids(f, 161), ['snmp-public']);
      assert.match(
        String(f.find((x) => x.id === 'snmp-public')?.detail.sysDescr),
        /selfscan lab snmpd/,
      );
      assert.deepEqual(ids(f, 53), ['dns-open-resolver']);
      assert.deepEqual(ids(f, 11211), ['memcached-udp']);
      const mc = f.find((x) => x.id === 'memcached-udp')!;
      assert.equal(mc.detail.version, '1.6.18'.slice(0, String(mc.detail.version).length));
      assert.ok(Number(mc.detail.amplification) > 10, 'stats amplifies');
      assert.deepEqual(ids(f, 1900), ['ssdp-responds']);
      assert.deepEqual(ids(f, 137), family === 4 ? ['netbios-names'] : []);
      if (family === 4) {
        assert.match(String(f.find((x) => x.id === 'netbios-names')?.detail.names), /LABPEER<00>/);
      }
      // Debian's ntpsec answers the client request (open) but no mode-6 query: no finding.
      assert.deepEqual(ids(f, 123), []);
    });

    it(`IPv${family}: identification of samba (SMB1 allowed), sshd, xrdp, redis, telnetd, httpd`, (t) => {
      if (!requirePeers(t)) return;
      const f = runs[family].tcp!;
      for (const port of [139, 445]) {
        assert.deepEqual(ids(f, port), ['banner', 'smb-signing-not-required', 'smb1-enabled']);
      }
      assert.deepEqual(ids(f, 22), ['banner']);
      assert.match(String(f.find((x) => x.port === 22)?.detail.product), /^SSH-2\.0-OpenSSH_9/);
      // xrdp 0.9 `security_layer=negotiate`: TLS without CredSSP and standard RDP security.
      assert.deepEqual(ids(f, 3389), ['rdp-legacy-security', 'rdp-nla-not-required']);
      assert.deepEqual(ids(f, 6379), ['redis-no-auth']);
      assert.deepEqual(ids(f, 23), ['telnet-open']);
      assert.deepEqual(ids(f, 80), ['banner']);
      assert.equal(f.find((x) => x.port === 80)?.detail.status, 200);
    });
  }

  it('the capture: each peer received exactly the documented requests, and every identification connection ended with our RST', async (t) => {
    if (!requirePeers(t) || !lab || !capture) return;
    const file = await capture.stop();
    capture = undefined;
    const packets = readPcap(file);
    for (const family of [4, 6] as const) {
      const scanner = canonical(family === 4 ? lab.scannerV4 : lab.scannerV6);
      const target = { address: family === 4 ? lab.targetV4 : lab.targetV6, family };
      const udp = packets.filter((p) => p.proto === 'udp' && p.src === scanner);
      assert.ok(udp.length >= UDP_PORTS.length, `IPv${family}: UDP requests captured`);
      const fixed: Record<number, Buffer[]> = {
        123: [NTP_CLIENT_REQUEST, NTP_READVAR_REQUEST],
        137: [NBNS_NODE_STATUS],
        161: [Buffer.from(udpRequestFor(161))],
        1900: [SSDP_REQUEST],
        5353: [Buffer.from(MDNS_QUERY)],
        9999: [Buffer.alloc(0)],
        11211: [MEMCACHED_REQUEST],
      };
      for (const p of udp) {
        if (p.dstPort === 53) {
          const q = dnsPacket.decode(p.payload);
          assert.equal(q.type, 'query');
          assert.equal(q.questions?.length, 1);
          assert.equal(q.answers?.length ?? 0, 0);
          assert.ok(q.questions?.[0]?.name.endsWith(`.${DNS_TEST_DOMAIN}`), q.questions?.[0]?.name);
          assert.equal(p.payload.length, dnsPacket.encodingLength(q), 'nothing after the query');
          continue;
        }
        const allowed = fixed[p.dstPort];
        assert.ok(allowed, `IPv${family}: no UDP to port ${p.dstPort}`);
        assert.ok(
          allowed.some((b) => b.equals(p.payload)),
          `IPv${family} udp/${p.dstPort} got ${p.payload.toString('hex')}`,
        );
      }
      const streams = tcpStreams(packets, scanner);
      const smb = (pre: Buffer[]) => [
        Buffer.concat([...pre, SMB1_NEGOTIATE]),
        Buffer.concat([...pre, SMB2_NEGOTIATE]),
      ];
      const documented: Record<number, Buffer[]> = {
        22: [Buffer.alloc(0)],
        23: [Buffer.alloc(0)],
        80: [headRequest(target, 80)],
        139: smb([NBSS_SESSION_REQUEST]),
        445: smb([]),
        3389: [x224ConnectionRequest(PROTOCOL_SSL), x224ConnectionRequest(PROTOCOL_RDP)],
        6379: [Buffer.concat([REDIS_PING, REDIS_INFO_SERVER])],
      };
      for (const s of streams) {
        const allowed = documented[s.dstPort];
        assert.ok(allowed, `IPv${family}: TCP to ${s.dstPort}`);
        assert.ok(
          allowed.some((b) => b.equals(s.sent)) || s.sent.length === 0,
          `IPv${family} tcp/${s.dstPort} got ${s.sent.toString('hex')}`,
        );
        assert.ok(s.reset, `IPv${family} tcp/${s.dstPort}: ended by a RST from the scanner`);
      }
      // Every identification exchange was there (the scan's own connects send nothing).
      for (const port of [80, 139, 445, 3389, 6379]) {
        for (const b of documented[port]!) {
          assert.ok(
            streams.some((s) => s.dstPort === port && s.sent.equals(b)),
            `IPv${family} tcp/${port}: one exchange sent ${b.length} bytes`,
          );
        }
      }
    }
  });
});

describe('real peers: the negative cases', { concurrency: false }, () => {
  let lab: Lab | undefined;
  let started: peers.Peer[] = [];
  before(async () => {
    if (!labSupport().ok || peers.missingPeerBinaries().length > 0) return;
    lab = await createLab();
    started = await Promise.all([
      peers.startSamba(lab, { smb1: false }),
      peers.startRedis(lab, 'lab-secret-never-sent'),
      peers.startDnsmasq(lab, false),
      peers.startMinimalNtp(lab),
    ]);
  });
  after(async () => {
    await lab?.close();
    peers.removePeerDirs(started);
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: Debian's samba default, redis with requirepass, dnsmasq without upstream; NTP mode 6 (minimal responder)`, async (t) => {
      if (!requirePeers(t) || !lab) return;
      const address = family === 4 ? lab.targetV4 : lab.targetV6;
      const target = { address, family };
      const smb = await identifyPort(target, 445);
      assert.deepEqual(ids(smb, 445), ['banner', 'smb-signing-not-required']);
      const redis = await identifyPort(target, 6379);
      assert.deepEqual(
        redis.map((f) => [f.id, f.detail.auth]),
        [['banner', 'required']],
      );
      const { results, findings } = await udpScan(address, family, [53, 123]);
      assert.equal(state(results.get(53)), 'open/udp-response', 'dnsmasq answers (REFUSED)');
      assert.deepEqual(ids(findings, 53), []);
      assert.deepEqual(ids(findings, 123), ['ntp-mode6']);
      assert.match(
        String(findings.find((f) => f.id === 'ntp-mode6')?.detail.version),
        /^ntpd 4\.2\.8/,
      );
    });
  }
});

describe('hostile peers cannot stall identification past its caps or grow memory', {
  concurrency: false,
}, () => {
  let lab: Lab | undefined;
  const HOSTILE = [
    [22, 'endless'],
    [21, 'huge'],
    [25, 'trickle'],
    [80, 'silent'],
    [443, 'silent'],
    [445, 'huge'],
    [3389, 'trickle'],
    [6379, 'endless'],
  ] as const;
  before(async () => {
    if (!labSupport().ok || peers.missingPeerBinaries().length > 0) return;
    lab = await createLab();
    await peers.startHostile(lab, HOSTILE);
  });
  after(async () => lab?.close());

  it('each exchange ends at 4 KiB or 2 s; two-connection identifiers stay within twice that; memory stays flat', async (t) => {
    if (!requirePeers(t) || !lab) return;
    const target = { address: lab.targetV4, family: 4 as const };
    const memBefore = process.memoryUsage();
    for (const [port, mode] of HOSTILE) {
      const t0 = performance.now();
      const r = await tcpExchange(target, port, (c) => c.read(() => false));
      const ms = performance.now() - t0;
      assert.ok(r.bytes <= IDENTIFY_BYTE_CAP, `${port} ${mode}: kept ${r.bytes} bytes`);
      assert.ok(r.value === undefined || r.value.length <= IDENTIFY_BYTE_CAP);
      if (mode === 'endless' || mode === 'huge') assert.equal(r.end, 'byte-cap', `${port} ${mode}`);
      else assert.equal(r.end, 'time-cap', `${port} ${mode}`);
      // 2 s cap; generous slack for a loaded machine, far below "stalled".
      assert.ok(ms < 4000, `${port} ${mode}: ${Math.round(ms)} ms`);
    }
    // The real identifiers against the same peers, several at once, a few rounds.
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const found = await identifyOpenPorts(
        target,
        HOSTILE.map(([p]) => p),
        { concurrency: 8 },
      );
      const ms = performance.now() - t0;
      // SMB and RDP use two connections of 2 s at most each.
      assert.ok(ms < 7000, `round ${round}: ${Math.round(ms)} ms`);
      for (const f of found) {
        for (const v of Object.values(f.detail)) {
          assert.ok(String(v).length <= 160, `${f.port} ${f.id}: detail capped`);
          const text = String(v);
          const printable = [...text].every((ch) => ch >= ' ' && ch <= '~');
          assert.ok(printable, `${f.port} ${f.id}: sanitised ${JSON.stringify(text)}`);
        }
      }
    }
    const memAfter = process.memoryUsage();
    const grew =
      memAfter.heapUsed + memAfter.arrayBuffers - (memBefore.heapUsed + memBefore.arrayBuffers);
    // Nine 10 MB banners (and three endless streams) passed by: a leak would be 30 MB and more.
    assert.ok(grew < 24 * 1024 * 1024, `memory grew by ${Math.round(grew / 1024 / 1024)} MB`);
  });
});
