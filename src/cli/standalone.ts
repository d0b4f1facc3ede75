// Entry of the single-file CLI (scripts/build-cli.mjs → dist/selfscan.mjs): the same commands as
// `npx selfscan`, without `serve` (the service needs native modules; the bundle has none).
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
