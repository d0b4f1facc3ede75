import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import {
  ADDRESS_CLASSES,
  type AddressClass,
  AddressError,
  cidrContains,
  classifyAddress,
  compileCidrMatcher,
  normalizeAddress,
  parseCidr,
  parseCidrList,
} from '../../../src/core/address.js';
import { checkTarget, type TargetPolicy } from '../../../src/core/target-policy.js';

// One or more sample addresses inside every entry of the IANA IPv4 Special-Purpose Address
// Registry, with the class we expect.
const IPV4_REGISTRY: [block: string, samples: string[], cls: AddressClass][] = [
  ['0.0.0.0/8 this network', ['0.1.2.3', '0.255.255.255'], 'reserved'],
  ['0.0.0.0/32 this host', ['0.0.0.0'], 'unspecified'],
  ['10.0.0.0/8 private-use', ['10.0.0.0', '10.1.2.3', '10.255.255.255'], 'private'],
  ['100.64.0.0/10 shared address space', ['100.64.0.1', '100.127.255.254'], 'cgnat'],
  ['127.0.0.0/8 loopback', ['127.0.0.1', '127.0.0.23', '127.255.255.254'], 'loopback'],
  ['169.254.0.0/16 link local', ['169.254.0.1', '169.254.169.254'], 'link-local'],
  ['172.16.0.0/12 private-use', ['172.16.0.1', '172.31.255.254'], 'private'],
  ['192.0.0.0/24 IETF protocol assignments', ['192.0.0.1', '192.0.0.200'], 'reserved'],
  ['192.0.0.0/29 IPv4 service continuity prefix', ['192.0.0.2', '192.0.0.7'], 'reserved'],
  ['192.0.0.8/32 IPv4 dummy address', ['192.0.0.8'], 'reserved'],
  ['192.0.0.9/32 PCP anycast (globally reachable, anycast)', ['192.0.0.9'], 'reserved'],
  ['192.0.0.10/32 TURN anycast (globally reachable, anycast)', ['192.0.0.10'], 'reserved'],
  [
    '192.0.0.170/32, 192.0.0.171/32 NAT64/DNS64 discovery',
    ['192.0.0.170', '192.0.0.171'],
    'reserved',
  ],
  ['192.0.2.0/24 TEST-NET-1', ['192.0.2.1', '192.0.2.255'], 'reserved'],
  ['192.31.196.0/24 AS112-v4 (anycast)', ['192.31.196.1'], 'reserved'],
  ['192.52.193.0/24 AMT (anycast)', ['192.52.193.1'], 'reserved'],
  ['192.88.99.0/24 deprecated 6to4 relay anycast', ['192.88.99.1'], 'reserved'],
  ['192.88.99.2/32 6a44 relay anycast', ['192.88.99.2'], 'reserved'],
  ['192.168.0.0/16 private-use', ['192.168.0.1', '192.168.1.5', '192.168.255.255'], 'private'],
  ['192.175.48.0/24 direct delegation AS112', ['192.175.48.1'], 'reserved'],
  ['198.18.0.0/15 benchmarking', ['198.18.0.1', '198.19.255.254'], 'reserved'],
  ['198.51.100.0/24 TEST-NET-2', ['198.51.100.7'], 'reserved'],
  ['203.0.113.0/24 TEST-NET-3', ['203.0.113.7'], 'reserved'],
  ['224.0.0.0/4 multicast', ['224.0.0.1', '239.255.255.250'], 'multicast'],
  ['240.0.0.0/4 reserved', ['240.0.0.1', '254.1.2.3'], 'reserved'],
  ['255.255.255.255/32 limited broadcast', ['255.255.255.255'], 'reserved'],
];

// Every entry of the IANA IPv6 Special-Purpose Address Registry, plus the rest of the non-2000::/3
// space and the deprecated blocks.
const IPV6_REGISTRY: [block: string, samples: string[], cls: AddressClass][] = [
  ['::1/128 loopback', ['::1'], 'loopback'],
  ['::/128 unspecified', ['::'], 'unspecified'],
  ['::/96 IPv4-compatible (deprecated)', ['::102:304', '::1.2.3.4', '::8.8.8.8'], 'reserved'],
  ['::ffff:0:0:0/96 IPv4-translated (RFC 6145)', ['::ffff:0:102:304'], 'reserved'],
  ['64:ff9b::/96 IPv4-IPv6 translation', ['64:ff9b::808:808', '64:ff9b::8.8.8.8'], 'nat64'],
  ['64:ff9b:1::/48 local-use translation', ['64:ff9b:1::1', '64:ff9b:1:ffff::1'], 'nat64'],
  ['100::/64 discard-only', ['100::1', '100::ffff:ffff:ffff:ffff'], 'reserved'],
  ['100:0:0:1::/64 dummy prefix', ['100:0:0:1::1'], 'reserved'],
  [
    '2001::/23 IETF protocol assignments',
    ['2001:5::1', '2001:100::1', '2001:1ff:ffff::1'],
    'reserved',
  ],
  ['2001::/32 Teredo', ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001::1'], 'teredo'],
  ['2001:1::1/128 PCP anycast', ['2001:1::1'], 'reserved'],
  ['2001:1::2/128 TURN anycast', ['2001:1::2'], 'reserved'],
  ['2001:1::3/128 DNS-SD SRP anycast', ['2001:1::3'], 'reserved'],
  ['2001:2::/48 benchmarking', ['2001:2::1', '2001:2:0:ffff::1'], 'reserved'],
  ['2001:3::/32 AMT', ['2001:3::1'], 'reserved'],
  ['2001:4:112::/48 AS112-v6', ['2001:4:112::1'], 'reserved'],
  ['2001:10::/28 ORCHID (deprecated)', ['2001:10::1', '2001:1f::1'], 'reserved'],
  ['2001:20::/28 ORCHIDv2', ['2001:20::1', '2001:2f::1'], 'reserved'],
  ['2001:30::/28 drone remote ID DETs', ['2001:30::1', '2001:3f::1'], 'reserved'],
  ['2001:db8::/32 documentation', ['2001:db8::1', '2001:DB8:ffff::1'], 'reserved'],
  ['2002::/16 6to4', ['2002:c000:204::1', '2002::1'], '6to4'],
  ['2620:4f:8000::/48 direct delegation AS112', ['2620:4f:8000::1'], 'reserved'],
  ['3fff::/20 documentation', ['3fff::1', '3fff:fff:ffff::1'], 'reserved'],
  ['5f00::/16 SRv6 SIDs', ['5f00::1', '5f00:ffff::1'], 'reserved'],
  ['fc00::/7 unique-local', ['fc00::1', 'fd00::1', 'fdff:ffff::1'], 'unique-local'],
  ['fe80::/10 link-local unicast', ['fe80::1', 'febf:ffff::1'], 'link-local'],
  ['fec0::/10 site-local (deprecated)', ['fec0::1'], 'reserved'],
  ['ff00::/8 multicast', ['ff02::1', 'ff05::1:3', 'ff0e::1'], 'multicast'],
  ['outside 2000::/3 (IETF reserved)', ['1000::1', '4000::1', 'e000::1', '3::1'], 'reserved'],
];

const GLOBAL: string[] = [
  '1.1.1.1',
  '8.8.8.8',
  '100.63.255.255', // just below 100.64.0.0/10
  '100.128.0.0', // just above it
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.1',
  '192.88.98.1',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2400:cb00::1',
  '2001:4860::8888',
  '2001:200::1', // first /32 after 2001::/23
  '2001:db7:ffff::1',
  '2001:db9::1',
  '2003::1',
  '2620:4f:7fff::1',
  '2620:4f:8001::1',
  '3fff:1000::1', // just after 3fff::/20
  '2a00:1450:4001::1',
];

describe('classifyAddress', () => {
  for (const [block, samples, cls] of [...IPV4_REGISTRY, ...IPV6_REGISTRY]) {
    it(`${block} → ${cls}`, () => {
      for (const sample of samples) assert.equal(classifyAddress(sample), cls, sample);
    });
  }

  it('global unicast → global', () => {
    for (const sample of GLOBAL) assert.equal(classifyAddress(sample), 'global', sample);
  });

  it('classifies IPv4-mapped IPv6 by the embedded IPv4 address', () => {
    assert.equal(classifyAddress('::ffff:192.168.0.1'), 'private');
    assert.equal(classifyAddress('::FFFF:c0a8:1'), 'private');
    assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
    assert.equal(classifyAddress('::ffff:100.64.0.1'), 'cgnat');
    assert.equal(classifyAddress('::ffff:8.8.8.8'), 'global');
    assert.equal(classifyAddress('0:0:0:0:0:ffff:a9fe:a9fe'), 'link-local');
  });

  it('never calls a range that ipaddr.js knows as special "global"', () => {
    type Subnet = [ipaddr.IPv4 | ipaddr.IPv6, number];
    for (const proto of [ipaddr.IPv4.prototype, ipaddr.IPv6.prototype]) {
      const ranges = (proto as unknown as { SpecialRanges: Record<string, Subnet | Subnet[]> })
        .SpecialRanges;
      for (const [name, list] of Object.entries(ranges)) {
        const subnets = (Array.isArray(list[0]) ? list : [list]) as Subnet[];
        for (const [net, bits] of subnets) {
          const cidr = `${net.toString()}/${bits}`;
          const cls = net.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
          const first = cls.networkAddressFromCIDR(cidr).toString();
          const last = cls.broadcastAddressFromCIDR(cidr).toString();
          for (const a of [first, last]) {
            assert.notEqual(classifyAddress(a), 'global', `${name} ${cidr}: ${a}`);
          }
        }
      }
    }
  });

  it('throws on anything that is not a literal address', () => {
    assert.throws(() => classifyAddress('example.com'), AddressError);
  });
});

describe('normalizeAddress', () => {
  it('unwraps IPv4-mapped IPv6 in every spelling', () => {
    const cases: [string, string][] = [
      ['::ffff:192.168.0.1', '192.168.0.1'],
      ['::FFFF:c0a8:1', '192.168.0.1'],
      ['::ffff:C0A8:0001', '192.168.0.1'],
      ['::ffff:7f00:1', '127.0.0.1'],
      ['::ffff:127.0.0.1', '127.0.0.1'],
      ['::ffff:0102:0304', '1.2.3.4'],
      ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
      ['0000:0000:0000:0000:0000:FFFF:0102:0304', '1.2.3.4'],
      ['::ffff:0.0.0.0', '0.0.0.0'],
    ];
    for (const [raw, address] of cases) {
      assert.deepEqual(normalizeAddress(raw), { address, family: 4 }, raw);
    }
  });

  it('keeps IPv4-compatible ::a.b.c.d as IPv6 (unlike ipaddr.process)', () => {
    assert.deepEqual(normalizeAddress('::1.2.3.4'), { address: '::102:304', family: 6 });
    assert.deepEqual(normalizeAddress('::127.0.0.1'), { address: '::7f00:1', family: 6 });
  });

  it('returns lowercase RFC 5952 compressed IPv6', () => {
    assert.deepEqual(normalizeAddress('2001:DB8:0:0:0:0:0:1'), {
      address: '2001:db8::1',
      family: 6,
    });
    assert.equal(
      normalizeAddress('2001:0db8:0000:0000:0001:0000:0000:0001').address,
      '2001:db8::1:0:0:1',
    );
    assert.equal(normalizeAddress('FE80:0:0:0:0:0:0:1').address, 'fe80::1');
    assert.equal(normalizeAddress('64:ff9b::8.8.8.8').address, '64:ff9b::808:808');
    assert.equal(normalizeAddress('::').address, '::');
  });

  it('keeps IPv4 as a dotted quad', () => {
    assert.deepEqual(normalizeAddress('203.0.113.7'), { address: '203.0.113.7', family: 4 });
  });

  it('refuses hostnames, legacy IPv4 forms and garbage', () => {
    for (const raw of [
      'localhost',
      'example.com',
      'xn--p8j9a0d9c9a.jp',
      '',
      ' ',
      '1',
      '2130706433',
      '127.1',
      '0x7f.0.0.1',
      '0177.0.0.1',
      '010.0.0.1',
      '1.2.3.256',
      '1.2.3.4.5',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.4:80',
      '1.2.3.4/32',
      '[::1]',
      '[::1]:80',
      '::ffff:01.2.3.4',
      '12345::',
      ':::1',
      'gggg::1',
      'http://127.0.0.1/',
    ]) {
      assert.throws(() => normalizeAddress(raw), AddressError, JSON.stringify(raw));
    }
  });

  it('refuses IPv6 zone ids', () => {
    for (const raw of [
      'fe80::1%eth0',
      'fe80::1%1',
      '::1%lo',
      'fe80::1%25eth0',
      '::ffff:1.2.3.4%0',
    ]) {
      assert.throws(() => normalizeAddress(raw), /zone/, raw);
    }
  });
});

describe('parseCidrList / parseCidr', () => {
  it('splits on commas and whitespace, normalises and removes duplicates', () => {
    assert.deepEqual(parseCidrList(' 10.1.2.3/8, ::1\n2001:DB8::/32\t10.0.0.0/8,,192.0.2.1 '), [
      '10.0.0.0/8',
      '::1/128',
      '2001:db8::/32',
      '192.0.2.1/32',
    ]);
    assert.deepEqual(parseCidrList(''), []);
    assert.deepEqual(parseCidrList(' , '), []);
  });

  it('turns IPv4-mapped ranges into IPv4 ranges', () => {
    assert.deepEqual(parseCidrList('::ffff:10.0.0.0/104, ::ffff:c0a8:1'), [
      '10.0.0.0/8',
      '192.168.0.1/32',
    ]);
    assert.throws(() => parseCidr('::ffff:0:0/95'), /96/);
  });

  it('refuses true, false and bare numbers', () => {
    assert.throws(() => parseCidrList('true'), /"true" is not a CIDR range/);
    assert.throws(() => parseCidrList('FALSE'), /not a CIDR range/);
    assert.throws(() => parseCidrList('1'), /is a number/);
    assert.throws(() => parseCidrList('10.0.0.0/8, 2'), /"2" is a number/);
  });

  it('refuses invalid entries with a message naming them', () => {
    for (const bad of [
      '10/8',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/08',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'example.com/24',
      'fe80::/10%eth0',
      'loopback',
      '*',
    ]) {
      assert.throws(
        () => parseCidrList(bad),
        (err: Error) => {
          assert.ok(err instanceof AddressError);
          assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
          return true;
        },
      );
    }
  });
});

describe('cidrContains / compileCidrMatcher', () => {
  it('matches IPv4, IPv6 and IPv4-mapped forms', () => {
    const ranges = ['10.0.0.0/8', '2001:db8::/32'];
    assert.equal(cidrContains(ranges, '10.1.2.3'), true);
    assert.equal(cidrContains(ranges, '::ffff:10.1.2.3'), true);
    assert.equal(cidrContains(ranges, '::ffff:a01:203'), true);
    assert.equal(cidrContains(ranges, '11.0.0.1'), false);
    assert.equal(cidrContains(ranges, '2001:DB8::5'), true);
    assert.equal(cidrContains(ranges, '2001:db9::5'), false);
    assert.equal(cidrContains(ranges, '::a01:203'), false); // IPv4-compatible is not IPv4
  });

  it('keeps the families apart and never matches garbage', () => {
    const m = compileCidrMatcher(['0.0.0.0/0']);
    assert.equal(m('203.0.113.1'), true);
    assert.equal(m('2001:db8::1'), false);
    assert.equal(m('not-an-address'), false);
    assert.equal(compileCidrMatcher(['::/0'])('192.0.2.1'), false);
    assert.equal(compileCidrMatcher([])('192.0.2.1'), false);
  });

  it('throws on invalid ranges', () => {
    assert.throws(() => compileCidrMatcher(['10/8']), AddressError);
  });
});

describe('checkTarget', () => {
  const pub: TargetPolicy = { mode: 'public', allowRanges: [] };
  const local: TargetPolicy = { mode: 'local', allowRanges: [] };

  const oneOfEach: Record<AddressClass, string> = {
    global: '8.8.8.8',
    cgnat: '100.64.1.2',
    private: '192.168.1.5',
    loopback: '::1',
    'link-local': 'fe80::1',
    'unique-local': 'fd00::1',
    multicast: '224.0.0.1',
    reserved: '192.0.2.1',
    '6to4': '2002:c000:204::1',
    teredo: '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    nat64: '64:ff9b::808:808',
    unspecified: '0.0.0.0',
  };

  it('covers every class', () => {
    assert.deepEqual(Object.keys(oneOfEach).sort(), [...ADDRESS_CLASSES].sort());
    for (const [cls, address] of Object.entries(oneOfEach)) {
      assert.equal(classifyAddress(address), cls);
    }
  });

  it('public mode refuses each non-global class with a reason', () => {
    for (const [cls, address] of Object.entries(oneOfEach)) {
      if (cls === 'global') continue;
      const r = checkTarget(address, pub);
      assert.equal(r.allowed, false, address);
      assert.equal(r.class, cls);
      assert.ok(
        !r.allowed &&
          (r.reason.startsWith('This service only tests addresses on the public internet; ') ||
            r.reason.endsWith('no connection comes from it, so it cannot be tested.')),
        address,
      );
      assert.ok(!r.allowed && r.reason.includes(r.address));
    }
  });

  it('public mode gives the documented reason for a private address', () => {
    assert.deepEqual(checkTarget('::ffff:192.168.1.5', pub), {
      allowed: false,
      class: 'private',
      family: 4,
      address: '192.168.1.5',
      reason:
        'This service only tests addresses on the public internet; 192.168.1.5 is a private address.',
    });
  });

  it('public mode allows global unicast', () => {
    assert.deepEqual(checkTarget('2400:CB00::1', pub), {
      allowed: true,
      class: 'global',
      family: 6,
      address: '2400:cb00::1',
    });
    assert.deepEqual(checkTarget('::ffff:8.8.8.8', pub), {
      allowed: true,
      class: 'global',
      family: 4,
      address: '8.8.8.8',
    });
  });

  it('public mode allows addresses inside SELFSCAN_ALLOW_RANGES, and only those', () => {
    const policy: TargetPolicy = {
      mode: 'public',
      allowRanges: parseCidrList('10.200.0.0/30, fd00:5::/64, 127.0.0.0/8'),
    };
    assert.deepEqual(checkTarget('10.200.0.2', policy), {
      allowed: true,
      class: 'private',
      family: 4,
      address: '10.200.0.2',
    });
    assert.equal(checkTarget('::ffff:10.200.0.1', policy).allowed, true);
    assert.equal(checkTarget('fd00:5::9', policy).allowed, true);
    assert.equal(checkTarget('127.0.0.23', policy).allowed, true);
    assert.equal(checkTarget('10.200.0.4', policy).allowed, false);
    assert.equal(checkTarget('fd00:6::9', policy).allowed, false);
    assert.equal(checkTarget('::1', policy).allowed, false);
    assert.equal(checkTarget('8.8.8.8', policy).allowed, true);
  });

  it('local mode allows every class a connection can come from', () => {
    for (const [cls, address] of Object.entries(oneOfEach)) {
      const r = checkTarget(address, local);
      if (cls === 'unspecified' || cls === 'multicast') {
        assert.equal(r.allowed, false, address);
        assert.ok('reason' in r && r.reason.includes('cannot be tested'));
        continue;
      }
      assert.equal(r.allowed, true, address);
      assert.equal(r.class, cls);
      assert.equal('reason' in r, false);
    }
  });

  it('fails closed on an address that is not a literal IP', () => {
    assert.throws(() => checkTarget('localhost', local), AddressError);
    assert.throws(() => checkTarget('fe80::1%eth0', local), AddressError);
  });
});

describe('purity', () => {
  for (const file of ['target-policy.ts', 'address.ts'])
    it(`${file} imports only ipaddr.js, node: builtins and address.ts`, () => {
      const source = readFileSync(new URL(`../../../src/core/${file}`, import.meta.url), 'utf8');
      const imports = [...source.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      assert.ok(imports.length > 0);
      for (const spec of imports) {
        assert.ok(
          spec === 'ipaddr.js' || spec === './address.js' || spec?.startsWith('node:'),
          spec,
        );
      }
    });
});

describe('one address module', () => {
  it('the store, the policy and the requester spell ::1.2.3.4 alike (IPv4-compatible stays IPv6)', async () => {
    const { canonicalAddress, maskedAddress } = await import(
      '../../../src/store/address-storage.js'
    );
    const policy: TargetPolicy = { mode: 'local', allowRanges: [] };
    assert.equal(canonicalAddress('::1.2.3.4'), '::102:304');
    assert.equal(checkTarget('::1.2.3.4', policy).address, '::102:304');
    assert.equal(maskedAddress('::1.2.3.4'), '::/48');
    // IPv4-mapped is IPv4 everywhere
    assert.equal(canonicalAddress('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(checkTarget('::ffff:1.2.3.4', policy).address, '1.2.3.4');
    assert.equal(maskedAddress('::ffff:1.2.3.4'), '1.2.3.x');
  });
});
