// src/core is the pure scanning core: it imports nothing of ours outside core and no framework,
// database or queue package (DESIGN.md). This test reads every import and fails on a stray one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const ALLOWED_PACKAGES = new Set(['ipaddr.js', 'dns-packet']);

it('src/core imports only node builtins, ipaddr.js, dns-packet and itself', () => {
  const dir = 'src/core';
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 5, 'core files found');
  const offences: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:')) continue;
      if (ALLOWED_PACKAGES.has(spec)) continue;
      if (spec.startsWith('.') && join(dir, file, '..', spec).startsWith('src/core/')) continue;
      offences.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});
