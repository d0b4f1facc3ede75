// `selfscan local` on a given set of interfaces: the built-in SIM case (a global address held
// directly) is said plainly, CGNAT and private addresses are explained, listening catalog ports
// are listed with where they listen. Pure: the interfaces and sockets are passed in.
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { it } from 'node:test';
import pc from 'picocolors';
import { globalAddresses, localAddresses, renderLocal } from '../../../src/cli/local-context.js';
import { en, ja } from '../../../src/cli/messages.js';
import { displayWidth } from '../../../src/cli/report.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
  ({
    address,
    family,
    internal,
    netmask: '',
    mac: '',
    cidr: null,
    scopeid: 0,
  }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  wlan0: [nic('192.168.1.23', 'IPv4'), nic('fe80::1c3a:5f2e:9b41:7d0e%3', 'IPv6')],
  wwan0: [nic('100.72.14.9', 'IPv4'), nic('2400:2000:1234:5678::9', 'IPv6')],
};

it('classifies every non-loopback address; the global one is the SIM case', () => {
  const list = localAddresses(interfaces);
  assert.deepEqual(
    list.map((a) => `${a.interface} ${a.address} ${a.class}`),
    [
      'wlan0 192.168.1.23 private',
      'wlan0 fe80::1c3a:5f2e:9b41:7d0e link-local',
      'wwan0 100.72.14.9 cgnat',
      'wwan0 2400:2000:1234:5678::9 global',
    ],
  );
  assert.deepEqual(
    globalAddresses(list).map((a) => a.interface),
    ['wwan0'],
  );
});

it('says it in both languages, within 80 columns, with the listening catalog ports', () => {
  const list = localAddresses(interfaces);
  const listening = {
    source: '/proc/net',
    sockets: [
      { protocol: 'tcp' as const, family: 4 as const, address: '0.0.0.0', port: 445 },
      { protocol: 'tcp' as const, family: 4 as const, address: '127.0.0.1', port: 3306 },
      { protocol: 'tcp' as const, family: 4 as const, address: '0.0.0.0', port: 40000 },
    ],
  };
  const paint = pc.createColors(false);
  const e = renderLocal(list, listening, 'en', en, paint);
  assert.match(
    e,
    /This PC holds global address 2400:2000:1234:5678::9 on wwan0 — it is reachable\s+like a server/,
  );
  assert.match(e, /100\.72\.14\.9 on wwan0 is a carrier-grade NAT address/);
  assert.match(e, /192\.168\.1\.23 on wlan0 is private/);
  assert.match(e, /^ {2}TCP\/445 +Windows file sharing \(SMB\) +all addresses$/m);
  assert.match(e, /^ {2}TCP\/3306 +MySQL \/ MariaDB +this PC only \(loopback\)$/m);
  assert.doesNotMatch(e, /40000/, 'only catalog ports are listed');
  const j = renderLocal(list, listening, 'ja', ja, paint);
  assert.match(j, /この PC は wwan0 にグローバル アドレス 2400:2000:1234:5678::9 を持っています/);
  for (const text of [e, j])
    for (const line of text.split('\n')) assert.ok(displayWidth(line) <= 80, line);
});
