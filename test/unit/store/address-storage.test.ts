import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  canonicalAddress,
  maskedAddress,
  storedAddress,
} from '../../../src/store/address-storage.js';

const KEY = 'operator-secret-key';

describe('storedAddress: clear', () => {
  test('IPv4 is stored as is, without a hash', () => {
    assert.deepEqual(storedAddress('203.0.113.7', 'clear'), { display: '203.0.113.7', hash: null });
  });
  test('IPv6 is stored in RFC 5952 form', () => {
    assert.deepEqual(storedAddress('2001:DB8:0001:0000:0000:0000:0000:0007', 'clear'), {
      display: '2001:db8:1::7',
      hash: null,
    });
  });
  test('an IPv4-mapped IPv6 address is the IPv4 address it carries', () => {
    assert.equal(storedAddress('::ffff:203.0.113.7', 'clear').display, '203.0.113.7');
  });
});

describe('storedAddress: truncate', () => {
  test('IPv4 keeps its /24', () => {
    assert.deepEqual(storedAddress('203.0.113.7', 'truncate'), {
      display: '203.0.113.x',
      hash: null,
    });
    assert.equal(storedAddress('::ffff:198.51.100.200', 'truncate').display, '198.51.100.x');
  });
  test('IPv6 keeps its /48, in CIDR notation', () => {
    assert.deepEqual(storedAddress('2001:db8:1:2:3:4:5:6', 'truncate'), {
      display: '2001:db8:1::/48',
      hash: null,
    });
    assert.equal(storedAddress('2001:db8:abcd:ffff::1', 'truncate').display, '2001:db8:abcd::/48');
    assert.equal(storedAddress('2001:db8::1', 'truncate').display, '2001:db8::/48');
    // The requester resolution drops a zone before anything is stored; the store refuses one.
    assert.throws(() => storedAddress('fe80::1%eth0', 'truncate'), TypeError, 'zone refused');
  });
  test('nothing past the prefix survives', () => {
    const a = storedAddress('2001:db8:1:aaaa:bbbb:cccc:dddd:eeee', 'truncate').display;
    const b = storedAddress('2001:db8:1:1111:2222:3333:4444:5555', 'truncate').display;
    assert.equal(a, b);
    assert.doesNotMatch(a, /aaaa|bbbb|eeee/);
  });
});

describe('storedAddress: hmac', () => {
  test('IPv4: masked display and HMAC-SHA256 of the full address', () => {
    const s = storedAddress('203.0.113.7', 'hmac', KEY);
    assert.equal(s.display, '203.0.113.x');
    assert.equal(s.hash, createHmac('sha256', KEY).update('203.0.113.7').digest('hex'));
    assert.match(s.hash ?? '', /^[0-9a-f]{64}$/);
  });
  test('IPv6: masked display and HMAC of the canonical full address', () => {
    const s = storedAddress('2001:db8:1:2::7', 'hmac', KEY);
    assert.equal(s.display, '2001:db8:1::/48');
    assert.equal(s.hash, createHmac('sha256', KEY).update('2001:db8:1:2::7').digest('hex'));
  });
  test('stable for the same key, however the address is spelled', () => {
    const a = storedAddress('2001:db8:1:2::7', 'hmac', KEY).hash;
    assert.equal(storedAddress('2001:db8:1:2::7', 'hmac', KEY).hash, a);
    assert.equal(storedAddress('2001:0DB8:0001:0002:0000:0000:0000:0007', 'hmac', KEY).hash, a);
    assert.equal(
      storedAddress('::ffff:203.0.113.7', 'hmac', KEY).hash,
      storedAddress('203.0.113.7', 'hmac', KEY).hash,
    );
    assert.equal(
      storedAddress('203.0.113.7', 'hmac', Buffer.from(KEY)).hash,
      storedAddress('203.0.113.7', 'hmac', KEY).hash,
      'a Buffer key equals the same bytes as a string',
    );
  });
  test('different for another key, and for another address in the same /24', () => {
    const a = storedAddress('203.0.113.7', 'hmac', KEY);
    assert.notEqual(storedAddress('203.0.113.7', 'hmac', 'another-key').hash, a.hash);
    const neighbour = storedAddress('203.0.113.8', 'hmac', KEY);
    assert.equal(neighbour.display, a.display);
    assert.notEqual(neighbour.hash, a.hash);
  });
  test('refuses to run without a key', () => {
    assert.throws(() => storedAddress('203.0.113.7', 'hmac'), TypeError);
    assert.throws(() => storedAddress('203.0.113.7', 'hmac', ''), TypeError);
  });
});

describe('input', () => {
  test('anything but an IP address literal is refused', () => {
    for (const bad of [
      '',
      'localhost',
      'example.com',
      '127.1',
      '0x7f.0.0.1',
      '10.0.0.0/8',
      '1.2.3.4:80',
      ' 1.2.3.4',
    ]) {
      assert.throws(() => storedAddress(bad, 'clear'), TypeError, bad);
    }
  });
  test('an unknown mode is refused', () => {
    assert.throws(() => storedAddress('203.0.113.7', 'plain' as never), TypeError);
  });
  test('canonicalAddress and maskedAddress agree with storedAddress', () => {
    assert.equal(canonicalAddress('2001:DB8::1'), '2001:db8::1');
    assert.equal(maskedAddress('203.0.113.7'), '203.0.113.x');
  });
});
