// The single-file CLI (scripts/build-cli.mjs): built into a folder of its own with nothing else
// beside it (no node_modules), it runs with a plain `node selfscan.mjs …` against the real
// service, with the same exit codes as `npx selfscan`, and holds no native module.
// Traffic: 127.0.0.0/8 only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/lab.js';

function node(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, timeout: 60_000, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

describe('the bundled CLI (one file, no node_modules)', () => {
  let dir: string;
  let bundle: string;
  let service: Service;
  let server: string;
  let listener: net.Server;
  let openPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'selfscan-bundle-'));
    bundle = join(dir, 'selfscan.mjs');
    const built = await node([join(REPO_ROOT, 'scripts', 'build-cli.mjs'), bundle], REPO_ROOT);
    assert.equal(built.code, 0, built.stderr);
    listener = net.createServer((s) => s.on('error', () => {}).destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    openPort = (listener.address() as net.AddressInfo).port;
    service = await startService(
      loadConfig({
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_LOG_LEVEL: 'warn',
      }),
    );
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    server = `http://127.0.0.1:${(service.app.server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await service?.close();
    listener?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one file that requires only node: built-ins', () => {
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('selfscan')),
      ['selfscan.mjs'],
    );
    const text = readFileSync(bundle, 'utf8');
    assert.ok(text.startsWith('#!/usr/bin/env node\n'));
    const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    const imported = [...text.matchAll(/^import .* from ['"]([^'"]+)['"];?$/gm)].map((m) => m[1]);
    for (const name of [...required, ...imported])
      assert.match(String(name), /^node:/, `${name} is not a built-in`);
  });

  it('node selfscan.mjs --version and a usage error', async () => {
    const v = await node([bundle, '--version'], dir);
    assert.equal(v.code, 0);
    assert.equal(
      v.stdout.trim(),
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version,
    );
    const bad = await node([bundle, 'check', '--ports', '0'], dir);
    assert.equal(bad.code, 64);
  });

  it('node selfscan.mjs check against the real service: exposed → exit 1, the API JSON', async () => {
    const r = await node(
      [bundle, 'check', '--server', server, '--ports', `${openPort},1`, '--accept-terms', '--json'],
      dir,
    );
    assert.equal(r.code, 1, r.stderr);
    const scan = JSON.parse(r.stdout);
    assert.equal(scan.verdict, 'exposed');
    const text = await node(
      [bundle, 'check', '--server', server, '--ports', '1', '--accept-terms', '--lang', 'ja'],
      dir,
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^安全 — /);
  });

  it('node selfscan.mjs local --json', async () => {
    const r = await node([bundle, 'local', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(typeof JSON.parse(r.stdout).holdsGlobalAddress, 'boolean');
  });

  it('has no serve command (the service needs native modules)', async () => {
    const r = await node([bundle, 'serve'], dir);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /unknown command 'serve'/);
  });
});
