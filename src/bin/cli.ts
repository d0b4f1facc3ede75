import { buildCli } from '../cli/main.js';

await buildCli().parseAsync(process.argv);
