// Pure parts of issue 16: the request bytes, the answer parsers (including garbage and truncated
// answers), the sanitiser and the texts of every finding id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FINDING_TEXTS, SEVERITY_LABELS } from '../../../src/core/finding-texts.js';
import { FINDING_IDS, FINDING_SEVERITY, sanitizeText } from '../../../src/core/findings.js';
import {
  PROTOCOL_SSL,
  parseConnectionConfirm,
  x224ConnectionRequest,
} from '../../../src/core/identify/rdp.js';
import {
  parseSmb1,
  parseSmb2,
  SMB1_NEGOTIATE,
  SMB2_NEGOTIATE,
} from '../../../src/core/identify/smb.js';
import { dns, dnsRecursionQuery } from '../../../src/core/udp/dns.js';
import { udpRequestFor } from '../../../src/core/udp/index.js';
import { memcached } from '../../../src/core/udp/memcached.js';
import { NBNS_NODE_STATUS, parseNodeStatus } from '../../../src/core/udp/netbios.js';
import { NTP_CLIENT_REQUEST, parseReadvar } from '../../../src/core/udp/ntp.js';
import { parseSysDescr, snmpGetRequest } from '../../../src/core/udp/snmp.js';

describe('findings', () => {
  it('every id has a severity, a title and advice in both languages', () => {
    assert.ok(FINDING_IDS.length >= 14);
    for (const id of FINDING_IDS) {
      assert.ok(SEVERITY_LABELS[FINDING_SEVERITY[id]]);
      for (const lang of ['ja', 'en'] as const) {
        assert.ok(FINDING_TEXTS[id][lang].title.length > 5, `${id} ${lang} title`);
        assert.ok(FINDING_TEXTS[id][lang].advice.length > 20, `${id} ${lang} advice`);
      }
    }
  });

  it('sanitizeText keeps printable ASCII only, collapses blanks and caps', () => {
    assert.equal(sanitizeText('SSH-2.0-x\r\n\x1b[31mred\x00<b>'), 'SSH-2.0-x [31mred <b>');
    assert.equal(sanitizeText(Buffer.from([0xff, 0x41, 0xfe, 0x42])), 'A B');
    assert.equal(sanitizeText('x'.repeat(500), 10), 'x'.repeat(10));
    assert.equal(sanitizeText('日本語abc'), 'abc');
  });
});

describe('UDP requests and answers', () => {
  it('the fixed requests have their documented sizes', () => {
    assert.equal(NTP_CLIENT_REQUEST.length, 48);
    assert.equal(NBNS_NODE_STATUS.length, 50);
    assert.equal(snmpGetRequest(1).length, 43);
    assert.equal(udpRequestFor(9999).length, 0);
    assert.equal(Buffer.from(udpRequestFor(11211)).subarray(8).toString(), 'stats\r\n');
  });

  it('parsers refuse garbage and truncated answers instead of throwing', () => {
    const junk = [
      Buffer.alloc(0),
      Buffer.from([0x30]),
      Buffer.alloc(100, 0xff),
      Buffer.from('HTTP/1.1 200'),
    ];
    for (const b of junk) {
      assert.equal(parseSysDescr(b), undefined);
      assert.equal(parseReadvar(b), undefined);
      assert.doesNotThrow(() => parseNodeStatus(b));
      assert.deepEqual(dns.findings(b, 53, 30), []);
      assert.deepEqual(memcached.findings(b, 11211, 15), []);
    }
    // A GetRequest is not a GetResponse.
    assert.equal(parseSysDescr(snmpGetRequest(7)), undefined);
  });

  it('a DNS answer with RA and NXDOMAIN is an open resolver; REFUSED is not', () => {
    const q = Buffer.from(dnsRecursionQuery('abc'));
    const answer = (flags: number) => {
      const a = Buffer.from(q);
      a.writeUInt16BE(flags, 2);
      return a;
    };
    assert.deepEqual(
      dns.findings(answer(0x8183), 53, q.length).map((f) => f.id),
      ['dns-open-resolver'],
    ); // QR RD RA, NXDOMAIN
    assert.deepEqual(dns.findings(answer(0x8185), 53, q.length), []); // REFUSED
    assert.deepEqual(dns.findings(answer(0x8103), 53, q.length), []); // no RA
  });
});

describe('identification requests and answers', () => {
  it('SMB1 negotiate offers only NT LM 0.12; SMB2 negotiate is an SMB2 header', () => {
    assert.ok(SMB1_NEGOTIATE.includes(Buffer.from('\x02NT LM 0.12\x00', 'latin1')));
    assert.ok(!SMB1_NEGOTIATE.includes(Buffer.from('SMB 2', 'latin1')));
    assert.equal(SMB1_NEGOTIATE.readUInt32BE(0), SMB1_NEGOTIATE.length - 4);
    assert.equal(SMB2_NEGOTIATE.readUInt32BE(4), 0xfe534d42);
    assert.equal(parseSmb1(Buffer.alloc(10)), undefined);
    assert.equal(parseSmb2(SMB1_NEGOTIATE), undefined);
  });

  it('RDP: the request carries the asked protocols; a confirm is read', () => {
    const req = x224ConnectionRequest(PROTOCOL_SSL);
    assert.equal(req.readUInt16BE(2), req.length);
    assert.equal(req.readUInt32LE(req.length - 4), PROTOCOL_SSL);
    const confirm = Buffer.from([
      3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 1, 0, 0, 0,
    ]);
    assert.deepEqual(parseConnectionConfirm(confirm), { kind: 'selected', protocol: 1 });
    const failure = Buffer.from(confirm);
    failure[11] = 3;
    failure[15] = 5;
    assert.deepEqual(parseConnectionConfirm(failure), { kind: 'failure', code: 5 });
    assert.deepEqual(parseConnectionConfirm(Buffer.from([3, 0, 0, 11, 6, 0xd0, 0, 0, 0, 0, 0])), {
      kind: 'no-negotiation',
    });
    assert.equal(parseConnectionConfirm(Buffer.from('SSH-2.0-x\r\n')), undefined);
  });
});
