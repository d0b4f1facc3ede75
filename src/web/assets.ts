// The page assets, built once at start into memory and served under content-hashed names with
// immutable caching: the stylesheet as written, the browser script bundled by esbuild.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  path: string;
  type: string;
  body: Buffer;
}

const here = dirname(fileURLToPath(import.meta.url));
// Run from src/ (tsx) the assets sit beside this file; run from dist/ (`npm run build`) they are
// read from src/web, which the package ships: tsc copies no CSS, SVG or browser script.
const webDir = existsSync(join(here, 'assets', 'style.css'))
  ? here
  : join(here, '..', '..', 'src', 'web');

export async function buildAssets(): Promise<{ css: Asset; js: Asset; icon: Asset }> {
  const css = readFileSync(join(webDir, 'assets', 'style.css'));
  const icon = readFileSync(join(webDir, 'assets', 'icon.svg'));
  const bundle = await build({
    entryPoints: [join(webDir, 'client', 'app.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    write: false,
    logLevel: 'silent',
  });
  const js = Buffer.from(bundle.outputFiles[0]!.contents);
  const hashed = (name: string, ext: string, body: Buffer) =>
    `/assets/${name}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
  return {
    css: { path: hashed('style', 'css', css), type: 'text/css; charset=utf-8', body: css },
    js: { path: hashed('app', 'js', js), type: 'text/javascript; charset=utf-8', body: js },
    icon: { path: hashed('icon', 'svg', icon), type: 'image/svg+xml', body: icon },
  };
}
