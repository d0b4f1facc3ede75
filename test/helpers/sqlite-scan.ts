// A real SQLite store in a temp folder with one loopback scan in it, for tests of the parts
// between the scan and the store (result writer, live streams). Closed when the test ends.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { PlannedPort } from '../../src/store/store.js';

export async function sqliteStoreWithScan(t: TestContext, planned: readonly PlannedPort[]) {
  const dir = mkdtempSync(join(tmpdir(), 'selfscan-scan-'));
  const opened = await openDatabase(`sqlite:${join(dir, 'db.sqlite')}`);
  await migrateToLatest(opened.db);
  const store = new KyselyStore(opened.db);
  t.after(async () => {
    await store.close();
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const id = randomBytes(16).toString('base64url');
  await store.createScan({
    id,
    code: id.slice(0, 11),
    requesterKey: `rk-${id}`,
    address: '127.0.0.1',
    addressHash: null,
    family: 4,
    addressClass: 'loopback',
    ports: planned,
    label: null,
    termsVersion: 't',
    catalogVersion: 'c',
    vantage: 'v',
    createdAt: Date.now(),
  });
  return { store, id };
}
