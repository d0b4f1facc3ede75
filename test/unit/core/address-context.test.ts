// Address context (issue 15 item 4): the offline ASN table on a small committed sample of the
// real ip-location-db `asn` data (CC BY 4.0: DB-IP.com and RouteViews; test/fixtures/README.md),
// the import command on that sample, the carrier hints, every class and the "likely shared" rule.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DBIP_ATTRIBUTION, importAsn } from '../../../src/bin/asn-table-file.js';
import { type ADDRESS_CLASSES, classifyAddress } from '../../../src/core/address.js';
import { describeTargets, isEui64 } from '../../../src/core/address-context.js';
import { AsnParseError, AsnTable, buildAsnTable } from '../../../src/core/asn-table.js';
import { CARRIERS, carrierOf } from '../../../src/core/carriers.js';

const SAMPLE = 'test/fixtures/asn-sample.csv';
const meta = { source: 'sample', importedAt: '2026-12-01T00:00:00.000Z', attribution: 'x' };
const table = AsnTable.fromBytes(buildAsnTable(readFileSync(SAMPLE, 'utf8'), meta).bytes);

describe('ASN table on the committed sample', () => {
  it('finds the owner of IPv4 and IPv6 addresses, at range edges too', () => {
    assert.deepEqual(table.lookup('1.0.0.1'), { asn: 13335, name: 'Cloudflare, Inc.' });
    assert.deepEqual(table.lookup('1.0.0.0'), { asn: 13335, name: 'Cloudflare, Inc.' });
    assert.deepEqual(table.lookup('1.0.0.255'), { asn: 13335, name: 'Cloudflare, Inc.' });
    assert.equal(table.lookup('1.0.1.0'), null, 'just past the range');
    assert.deepEqual(table.lookup('240b:c000::1'), { asn: 138384, name: 'Rakuten Mobile, Inc.' });
    assert.deepEqual(table.lookup('2400:2fff:ffff:ffff:ffff:ffff:ffff:ffff'), {
      asn: 17676,
      name: 'SoftBank Corp.',
    });
    assert.deepEqual(table.lookup('240a:2:c90::1')?.asn, 9605);
    assert.deepEqual(table.lookup('::ffff:1.0.0.9')?.asn, 13335, 'IPv4-mapped is IPv4');
    // The anchor's gap: docomo's 240a:61:bf6::/48 is in no range of the dataset.
    assert.equal(table.lookup('240a:61:bf6::1'), null);
    assert.equal(table.lookup('0.0.0.1'), null);
    assert.equal(table.lookup('ffff::1'), null);
    assert.equal(table.lookup('not an address'), null);
  });

  it('matches a linear scan of the sample for every range start and end', () => {
    const rows = readFileSync(SAMPLE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => /^([^,]+),([^,]+),(\d+),/.exec(l)!);
    for (const [, start, end, asn] of rows) {
      assert.equal(table.lookup(start!)?.asn, Number(asn), start);
      assert.equal(table.lookup(end!)?.asn, Number(asn), end);
    }
    assert.equal(table.info.v4Ranges + table.info.v6Ranges, rows.length);
  });

  it('reads the iptoasn TSV form too (ASN 0 = not routed is skipped)', () => {
    const tsv = [
      '1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET',
      '1.0.1.0\t1.0.3.255\t0\tNone\tNot routed',
      '2001:200::\t2001:200:1b9:ffff:ffff:ffff:ffff:ffff\t2500\tJP\tWIDE-BB WIDE Project',
    ].join('\n');
    const { bytes, report } = buildAsnTable(tsv, meta);
    const t = AsnTable.fromBytes(bytes);
    assert.deepEqual(report, { v4: 1, v6: 1, skipped: 1 });
    assert.equal(t.lookup('1.0.2.1'), null);
    assert.deepEqual(t.lookup('2001:200::5'), { asn: 2500, name: 'WIDE-BB WIDE Project' });
  });

  it('refuses bad input naming the line, and a file that is not a table', () => {
    assert.throws(() => buildAsnTable('1.0.0.0,1.0.0.255,13335,"x\n', meta), /line 1/);
    assert.throws(() => buildAsnTable('1.0.0.0,1.0.0.255,13335,a\nx,y,AS1,b\n', meta), /line 2/);
    assert.throws(
      () => buildAsnTable('1.0.0.0,::1,13335,a\n', meta),
      (e: unknown) => e instanceof AsnParseError && /mixes/.test((e as Error).message),
    );
    assert.throws(() => AsnTable.fromBytes(Buffer.from('hello')), /not a selfscan ASN table/);
  });

  it('the import command writes what the server loads, with the DB-IP attribution', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-asn-'));
    const out = join(dir, 'data', 'asn-table.bin');
    const r = importAsn([SAMPLE], out);
    assert.equal(r.v4 + r.v6, 138);
    const loaded = AsnTable.fromBytes(readFileSync(out));
    assert.equal(loaded.info.attribution, DBIP_ATTRIBUTION);
    assert.equal(loaded.info.source, 'asn-sample.csv');
    assert.equal(loaded.lookup('240b:c000::1')?.asn, 138384);
    const tsv = join(dir, 'x.tsv');
    writeFileSync(tsv, '1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n');
    importAsn([tsv], out);
    assert.equal(AsnTable.fromBytes(readFileSync(out)).info.attribution, '');
  });
});

describe('carrier hints', () => {
  it('every entry has sources and a unique AS number', () => {
    assert.equal(new Set(CARRIERS.map((c) => c.asn)).size, CARRIERS.length);
    for (const c of CARRIERS) assert.ok(c.sources.length > 0, c.name);
    for (const asn of [9605, 2516, 17676, 138384]) assert.ok(carrierOf(asn), String(asn));
    assert.equal(carrierOf(13335), undefined);
  });
});

const t = (address: string) => {
  const cls = classifyAddress(address);
  return { address, family: address.includes(':') ? (6 as const) : (4 as const), class: cls };
};

describe('address context', () => {
  it('says when no network data is loaded', () => {
    const [c] = describeTargets([t('1.0.0.1')], {});
    assert.deepEqual(c, { network: null, networkData: 'none' });
  });

  it('every class gets a context, and only IPv4 can be called shared', () => {
    const samples: Record<(typeof ADDRESS_CLASSES)[number], string> = {
      global: '1.0.0.1',
      cgnat: '100.64.1.2',
      private: '192.168.1.2',
      loopback: '127.0.0.1',
      'link-local': 'fe80::1',
      'unique-local': 'fd00::1',
      multicast: '224.0.0.1',
      reserved: '192.0.2.1',
      '6to4': '2002:c000:201::1',
      teredo: '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      nat64: '64:ff9b::c000:201',
      unspecified: '0.0.0.0',
    };
    for (const [cls, address] of Object.entries(samples)) {
      const target = t(address);
      assert.equal(target.class, cls, address);
      const [c] = describeTargets([target], { asn: table });
      assert.ok(c, cls);
      assert.equal(c.networkData, 'loaded');
      if (cls === 'cgnat') assert.deepEqual(c.shared, { reason: 'cgnat', certain: true });
      else assert.equal(c.shared, undefined, cls);
      if (target.family === 6 && cls !== 'loopback')
        assert.ok(c.ipv6Interface === 'eui64' || c.ipv6Interface === 'random', cls);
      else assert.equal(c.ipv6Interface, undefined, cls);
    }
  });

  it('likely shared: a carrier that NATs its subscribers IPv4 (docomo, Rakuten Mobile)', () => {
    const docomoV4 = readFileSync(SAMPLE, 'utf8').match(/^(\d+\.\d+\.\d+\.\d+),[^,]+,9605,/m)![1]!;
    const [c] = describeTargets([t(docomoV4)], { asn: table });
    assert.equal(c?.network?.asn, 9605);
    assert.deepEqual(c?.carrier, { name: 'NTT docomo', kind: 'mobile' });
    assert.deepEqual(c?.shared, { reason: 'carrier-nat', certain: false });
  });

  it('likely shared: IPv4 from another network than the IPv6 of the same diagnosis (MAP-E, DS-Lite)', () => {
    // IPv4 of IIJ, IPv6 of Sony Network Communications: IPv4 delivered over IPv6 by another network.
    const v4 = readFileSync(SAMPLE, 'utf8').match(/^(\d+\.\d+\.\d+\.\d+),[^,]+,2497,/m)![1]!;
    const v6 = readFileSync(SAMPLE, 'utf8')
      .match(/^([0-9a-f:]+),[^,]+,2527,/m)![1]!
      .replace(/::$/, '::1');
    const [c4, c6] = describeTargets([t(v4), t(v6)], { asn: table });
    assert.deepEqual(c4?.shared, { reason: 'other-network', certain: false });
    assert.equal(c6?.shared, undefined);
    // Same network on both families (native dual stack): not called shared.
    const v6same = readFileSync(SAMPLE, 'utf8')
      .match(/^([0-9a-f:]+),[^,]+,2497,/m)![1]!
      .replace(/::$/, '::1');
    const [d4] = describeTargets([t(v4), t(v6same)], { asn: table });
    assert.equal(d4?.shared, undefined);
    // Without data nothing is claimed.
    const [e4] = describeTargets([t(v4), t(v6)], {});
    assert.equal(e4?.shared, undefined);
  });

  it('IPv6 interface ids: EUI-64 vs random (temporary addresses rotate)', () => {
    assert.equal(isEui64('2001:db8::211:22ff:fe33:4455'), true);
    assert.equal(isEui64('2001:db8::8c1f:3a2b:9d4e:11f0'), false);
    const [c] = describeTargets([t('2001:db8::211:22ff:fe33:4455')], {});
    assert.equal(c?.ipv6Interface, 'eui64');
  });

  it('an untrusted proxy is said on every target', () => {
    const cs = describeTargets([t('1.0.0.1'), t('2001:200::1')], { untrustedProxy: true });
    assert.ok(cs.every((c) => c.untrustedProxy === true));
  });
});
