import { runCli } from '../cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), undefined, {
  serve: () => import('./server.js'),
  adminCreate: async (opts, io) => (await import('./admin.js')).adminCreate(opts, io),
});
