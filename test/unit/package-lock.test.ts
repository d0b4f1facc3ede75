// A fresh clone stays clean after `npm install` (issue 9): npm rewrites the lock file's root entry
// whenever it differs from package.json (the `bin` entry once did), so the two must agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/lab.js';

const read = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, name), 'utf8'));

describe('package-lock.json', () => {
  it('its root package says what package.json says', () => {
    const pkg = read('package.json');
    const root = read('package-lock.json').packages[''];
    for (const key of [
      'name',
      'version',
      'license',
      'bin',
      'engines',
      'dependencies',
      'devDependencies',
    ])
      assert.deepEqual(root[key], pkg[key], key);
  });
});
