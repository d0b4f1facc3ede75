// `npm start` when its port is taken (issue 9): one sentence naming the port and SELFSCAN_PORT,
// exit code 1, no JSON stack trace. Traffic: 127.0.0.1 only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/lab.js';

describe('server start-up', () => {
  it('a taken port: a friendly message with SELFSCAN_PORT, exit 1, no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SELFSCAN_')) env[k] = v;
      const dir = mkdtempSync(join(tmpdir(), 'selfscan-start-'));
      Object.assign(env, {
        SELFSCAN_HOST: '127.0.0.1',
        SELFSCAN_PORT: String(port),
        SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SELFSCAN_LOG_LEVEL: 'warn',
      });
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.stderr.on('data', (d) => {
        out += String(d);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearTimeout(timer);
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`selfscan: port ${port} is already in use`));
      assert.match(out, /SELFSCAN_PORT=\d+ npm start/);
      assert.doesNotMatch(out, /EADDRINUSE|"stack"|\n\s+at /, 'no stack trace');
    } finally {
      taken.close();
    }
  });
});
