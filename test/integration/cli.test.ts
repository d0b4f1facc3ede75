// The CLI against the real service on loopback: `check` prints a readable report or --json and
// exits 0 safe / 1 exposed / 3 error; `local` classifies this machine's own addresses.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Service, startService } from '../../src/bin/start-service.js';
import { loadConfig } from '../../src/config.js';

const run = promisify(execFile);
const cli = async (args: string[]) => {
  try {
    const { stdout } = await run(process.execPath, ['bin/selfscan.mjs', ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
};

describe('selfscan CLI', () => {
  let service: Service;
  let server: string;
  let listener: net.Server;
  let openPort: number;
  before(async () => {
    listener = net.createServer((s) => s.on('error', () => {}).destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    openPort = (listener.address() as net.AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-cli-'));
    service = await startService(
      loadConfig({ SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}` }),
    );
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    server = `http://127.0.0.1:${(service.app.server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await service.close();
    listener.close();
  });

  it('check --json: exposed when a chosen port is open, exit code 1', async () => {
    const { code, stdout } = await cli([
      'check',
      '--server',
      server,
      '--ports',
      `${openPort},1`,
      '--json',
    ]);
    assert.equal(code, 1);
    const result = JSON.parse(stdout);
    assert.equal(result.verdict, 'exposed');
    assert.equal(result.address, '127.0.0.1');
    const states = Object.fromEntries(
      result.results.map((r: { port: number; state: string }) => [r.port, r.state]),
    );
    assert.deepEqual(states, { [openPort]: 'open', 1: 'closed' });
  });

  it('check: a readable report, safe → exit code 0', async () => {
    const { code, stdout } = await cli(['check', '--server', server, '--ports', '1']);
    assert.equal(code, 0);
    assert.match(stdout, /SAFE/);
    assert.match(stdout, /Result code \S+/);
  });

  it('check against nothing → exit code 3 with the reason', async () => {
    const { code, stdout } = await cli(['check', '--server', 'http://127.0.0.1:1', '--json']);
    assert.equal(code, 3);
    assert.equal(JSON.parse(stdout).error.code, 'unreachable');
  });

  it('local --json lists this machine’s addresses with their class', async () => {
    const { stdout } = await cli(['local', '--json']);
    const out = JSON.parse(stdout);
    assert.equal(typeof out.holdsGlobalAddress, 'boolean');
    assert.ok(Array.isArray(out.addresses));
    for (const a of out.addresses) assert.ok(typeof a.class === 'string' && a.class.length > 0);
  });
});
