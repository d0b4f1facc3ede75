// The listening-port parsers on captured output (test/fixtures/listening/README.md says where each
// file comes from), and live on this Linux machine: a listener this test opens is found, on IPv4
// and IPv6, and disappears once closed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  isLoopbackOnly,
  type ListeningSocket,
  listeningSockets,
  parseLsof,
  parseNetstatDarwin,
  parseNetstatWindows,
  parseProcNet,
} from '../../../src/cli/listening-ports.js';
import { REPO_ROOT } from '../../helpers/lab.js';

const fixture = (path: string, encoding: BufferEncoding = 'utf8') =>
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'listening', path), encoding);

/** "tcp4 0.0.0.0:445" style keys, sorted: compact and exact. */
const keys = (list: ListeningSocket[]) =>
  list
    .map(
      (s) => `${s.protocol}${s.family} ${s.family === 6 ? `[${s.address}]` : s.address}:${s.port}`,
    )
    .sort();

describe('Linux /proc/net (captured)', () => {
  it('tcp: every LISTEN row, none of the connections', () => {
    assert.deepEqual(keys(parseProcNet(fixture('linux/tcp'), 'tcp', 4)), [
      'tcp4 0.0.0.0:2024',
      'tcp4 0.0.0.0:22',
      'tcp4 0.0.0.0:445',
      'tcp4 127.0.0.1:1',
      'tcp4 127.0.0.1:1883',
      'tcp4 127.0.0.1:25672',
      'tcp4 127.0.0.1:3306',
      'tcp4 127.0.0.1:4222',
      'tcp4 127.0.0.1:4369',
      'tcp4 127.0.0.1:5000',
      'tcp4 127.0.0.1:5432',
      'tcp4 127.0.0.1:5672',
      'tcp4 127.0.0.1:6379',
    ]);
  });
  it('tcp6: the byte-swapped words decode to :: and ::1', () => {
    assert.deepEqual(keys(parseProcNet(fixture('linux/tcp6'), 'tcp', 6)), [
      'tcp6 [::1]:4369',
      'tcp6 [::1]:6379',
      'tcp6 [::1]:8080',
      'tcp6 [::]:22',
      'tcp6 [::]:3389',
    ]);
  });
  it('udp and udp6: bound, unconnected sockets', () => {
    assert.deepEqual(keys(parseProcNet(fixture('linux/udp'), 'udp', 4)), ['udp4 0.0.0.0:1900']);
    assert.deepEqual(keys(parseProcNet(fixture('linux/udp6'), 'udp', 6)), ['udp6 [::]:5353']);
  });
  it('a global IPv6 address in /proc format', () => {
    // 2001:db8::1 as the kernel prints it: four 32-bit words, each in little-endian byte order.
    const line =
      '   0: B80D0120000000000000000001000000:01BD 00000000000000000000000000000000:0000 0A 0';
    assert.deepEqual(keys(parseProcNet(line, 'tcp', 6)), ['tcp6 [2001:db8::1]:445']);
  });
  it('garbage, truncated and header lines are skipped, not guessed at', () => {
    const text = [
      'sl local_address rem_address st',
      '   0: 0100007F:ZZZZ 00000000:0000 0A',
      '   1: 0100007F 00000000:0000 0A',
      '   2: 0100007F:0000 00000000:0000 0A', // port 0
      '   3: 0100007F:1F90',
      'random text',
      '',
    ].join('\n');
    assert.deepEqual(parseProcNet(text, 'tcp', 4), []);
  });
});

describe('macOS (hand-written in the formats macOS prints)', () => {
  it('netstat -anv -p tcp, macOS 14: tcp46 counts for both families, * is any', () => {
    assert.deepEqual(keys(parseNetstatDarwin(fixture('macos/netstat-anv-tcp-macos14.txt'))), [
      'tcp4 0.0.0.0:22',
      'tcp4 0.0.0.0:445',
      'tcp4 0.0.0.0:49152',
      'tcp4 0.0.0.0:5000',
      'tcp4 0.0.0.0:5000',
      'tcp4 0.0.0.0:7000',
      'tcp4 127.0.0.1:631',
      'tcp4 127.0.0.1:8021',
      'tcp6 [::1]:631',
      'tcp6 [::]:22',
      'tcp6 [::]:445',
      'tcp6 [::]:49152',
      'tcp6 [::]:5000',
      'tcp6 [::]:7000',
    ]);
  });
  it('netstat -anv -p tcp, macOS 12 (older columns)', () => {
    assert.deepEqual(keys(parseNetstatDarwin(fixture('macos/netstat-anv-tcp-macos12.txt'))), [
      'tcp4 0.0.0.0:3389',
      'tcp4 0.0.0.0:5900',
      'tcp4 127.0.0.1:6379',
      'tcp6 [::]:5900',
    ]);
  });
  it('netstat -anv -p udp: foreign *.* only', () => {
    assert.deepEqual(keys(parseNetstatDarwin(fixture('macos/netstat-anv-udp-macos14.txt'))), [
      'udp4 0.0.0.0:137',
      'udp4 0.0.0.0:1900',
      'udp4 0.0.0.0:5353',
      'udp6 [::]:1900',
      'udp6 [::]:5353',
    ]);
  });
  it('lsof -nP -iTCP -sTCP:LISTEN, with the pid', () => {
    const list = parseLsof(fixture('macos/lsof-nP-iTCP-sTCP-LISTEN-macos14.txt'));
    assert.deepEqual(keys(list), [
      'tcp4 0.0.0.0:22',
      'tcp4 0.0.0.0:445',
      'tcp4 0.0.0.0:49152',
      'tcp4 0.0.0.0:5000',
      'tcp4 0.0.0.0:7000',
      'tcp4 127.0.0.1:631',
      'tcp6 [::1]:631',
      'tcp6 [::]:22',
      'tcp6 [::]:445',
      'tcp6 [::]:49152',
      'tcp6 [::]:5000',
      'tcp6 [::]:7000',
    ]);
    assert.equal(list.find((s) => s.port === 631 && s.family === 4)?.pid, 382);
  });
});

describe('Windows netstat -ano (hand-written, in the console code page)', () => {
  it('English: TCP by the foreign address :0, UDP by *:*, with the pid', () => {
    const list = parseNetstatWindows(fixture('windows/netstat-ano-en.txt', 'latin1'));
    assert.deepEqual(keys(list), [
      'tcp4 0.0.0.0:135',
      'tcp4 0.0.0.0:3389',
      'tcp4 0.0.0.0:445',
      'tcp4 0.0.0.0:49664',
      'tcp4 0.0.0.0:5040',
      'tcp4 127.0.0.1:5939',
      'tcp4 192.168.10.24:139',
      'tcp6 [::1]:49669',
      'tcp6 [::]:135',
      'tcp6 [::]:3389',
      'tcp6 [::]:445',
      'udp4 0.0.0.0:123',
      'udp4 0.0.0.0:500',
      'udp4 0.0.0.0:5353',
      'udp4 192.168.10.24:137',
      'udp4 192.168.10.24:1900',
      'udp6 [::1]:1900',
      'udp6 [::]:123',
      'udp6 [fe80::8d2c:51ef:a3b:7c10%12]:1900',
    ]);
    assert.equal(list.find((s) => s.port === 445)?.pid, 4);
  });
  it('Japanese (CP932 headers)', () => {
    assert.deepEqual(keys(parseNetstatWindows(fixture('windows/netstat-ano-ja.txt', 'latin1'))), [
      'tcp4 0.0.0.0:135',
      'tcp4 0.0.0.0:445',
      'tcp4 0.0.0.0:5357',
      'tcp4 127.0.0.1:49670',
      'tcp4 172.20.10.3:139',
      'tcp6 [::]:135',
      'tcp6 [::]:445',
      'udp4 0.0.0.0:5355',
      'udp4 172.20.10.3:137',
    ]);
  });
  it('German: translated state words (ABHÖREN) do not matter', () => {
    assert.deepEqual(keys(parseNetstatWindows(fixture('windows/netstat-ano-de.txt', 'latin1'))), [
      'tcp4 0.0.0.0:135',
      'tcp4 0.0.0.0:23',
      'tcp4 0.0.0.0:445',
      'tcp6 [::]:445',
    ]);
  });
});

it('isLoopbackOnly: 127.x and ::1 yes, any and LAN addresses no', () => {
  const s = (address: string): ListeningSocket => ({
    protocol: 'tcp',
    family: 4,
    address,
    port: 1,
  });
  assert.equal(isLoopbackOnly(s('127.0.0.1')), true);
  assert.equal(isLoopbackOnly(s('::1')), true);
  assert.equal(isLoopbackOnly(s('0.0.0.0')), false);
  assert.equal(isLoopbackOnly(s('::')), false);
  assert.equal(isLoopbackOnly(s('192.168.10.24')), false);
});

describe('live on this machine', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  for (const [family, host] of [
    [4, '127.0.0.1'],
    [6, '::1'],
  ] as const) {
    it(`a listener this test opens on ${host} is found, and gone once closed`, async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
      const { port } = server.address() as net.AddressInfo;
      const found = (r: Awaited<ReturnType<typeof listeningSockets>>) =>
        r.source === undefined
          ? assert.fail(r.why)
          : r.sockets.some(
              (s) =>
                s.protocol === 'tcp' &&
                s.family === family &&
                s.address === host &&
                s.port === port,
            );
      try {
        assert.equal(found(await listeningSockets()), true, `${host}:${port} listed`);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      assert.equal(found(await listeningSockets()), false, `${host}:${port} gone after close`);
    });
  }
});
