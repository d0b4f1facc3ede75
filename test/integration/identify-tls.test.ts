// HTTPS identification on loopback: `HEAD /` over TLS reads the Server header and the
// certificate's subject and expiry without verifying it (a self-signed certificate is what we
// report, not an error); the exchange ends within its caps.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { identifyPort } from '../../src/core/identify/index.js';

const ADDRESS = '127.0.16.3';
const PORT = 8443;

describe('HTTPS identification (loopback)', () => {
  let server: tls.Server | undefined;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'selfscan-tls-'));
    // Self-signed, valid for one day.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=router.lab',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    server = tls.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nServer: LabTLS/3\r\n\r\n'));
      },
    );
    await new Promise<void>((resolve) => server!.listen(PORT, ADDRESS, resolve));
  });
  after(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the Server header, the certificate subject and its expiry', async () => {
    const t0 = performance.now();
    const found = await identifyPort({ address: ADDRESS, family: 4 }, PORT);
    assert.ok(performance.now() - t0 < 4000);
    assert.equal(found.length, 1);
    const [banner] = found;
    assert.equal(banner?.id, 'banner');
    assert.equal(banner?.detail.service, 'https');
    assert.equal(banner?.detail.server, 'LabTLS/3');
    assert.equal(banner?.detail.status, 200);
    assert.equal(banner?.detail.certSubject, 'router.lab');
    assert.equal(banner?.detail.certSelfSigned, true);
    assert.equal(banner?.detail.certExpired, false);
    assert.ok(Date.parse(String(banner?.detail.certExpires)) > Date.now());
  });
});
