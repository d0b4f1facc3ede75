#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a dependency), so `npx selfscan` works without a build.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin/cli.ts');
