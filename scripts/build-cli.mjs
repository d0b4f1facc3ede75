// Bundles the CLI into one file with no dependencies to install and no native modules:
//   node scripts/build-cli.mjs [out-file]      (default dist/selfscan.mjs)
// then `node selfscan.mjs check …` anywhere Node ≥ 20 runs. The `serve` command is not in it.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(process.argv[2] ?? join(root, 'dist', 'selfscan.mjs'));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'standalone.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  legalComments: 'inline',
  metafile: true,
  define: { SELFSCAN_VERSION: JSON.stringify(version) },
  // commander is CommonJS: give its require() calls of node: built-ins a real require.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __selfscanRequire } from 'node:module';\nconst require = __selfscanRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs);
const native = inputs.filter((f) => f.endsWith('.node') || /better-sqlite3|bindings/.test(f));
if (native.length > 0) {
  console.error(`native modules in the bundle: ${native.join(', ')}`);
  process.exit(1);
}
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(`${outfile}: ${inputs.length} inputs, ${bytes} bytes, selfscan ${version}`);
