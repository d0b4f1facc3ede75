// The web server (and, with no Redis configured, the scanner too). SIGTERM/SIGINT: stop
// accepting, let running scans finish until SELFSCAN_SHUTDOWN_TIMEOUT_MS, persist the rest as
// failed/interrupted, exit.
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '../config.js';
import { logStream } from './pretty-log.js';
import { startService } from './start-service.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`selfscan: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const stream = logStream();
let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, {
    logger: {
      level: config.logLevel,
      ...(stream ? { stream } : {}),
      // The scan id in a URL is a secret and addresses are personal data: keep both out of logs.
      serializers: {
        req: (req: { method: string; url: string }) => ({
          method: req.method,
          url: req.url.replace(/\/(r|scans)\/[^/?]+/, '/$1/:id'),
        }),
      },
    },
  });
} catch (err) {
  // The database cannot be opened or migrated: say so in a sentence, not a stack trace.
  const cause = (err as Error).cause;
  console.error(
    `selfscan: ${(err as Error).message}${cause instanceof Error && !(err as Error).message.includes(cause.message) ? ` (${cause.message})` : ''}`,
  );
  process.exit(1);
}

closeWithGrace({ delay: config.shutdownTimeoutMs + 5000 }, async ({ signal, err }) => {
  if (err) service.app.log.error({ err }, 'fatal error, shutting down');
  else service.app.log.info({ signal }, 'shutting down');
  await service.close();
});

try {
  await service.app.listen({ host: config.host, port: config.port });
} catch (err) {
  // A taken or forbidden port is a setup problem, not a crash: say what to do, no stack trace.
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    console.error(`selfscan: ${listenProblem(code, config.host, config.port)}`);
    await service.close();
    process.exit(1);
  }
  throw err;
}
service.app.log.info(
  `selfscan ${config.mode} mode listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
);

function listenProblem(code: string, host: string, port: number): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use by another program (${where}). Stop that program, or choose another port: SELFSCAN_PORT=${port < 65535 ? port + 1 : 8080} npm start`;
  if (code === 'EACCES')
    return `not allowed to listen on ${where} (ports below 1024 need root). Choose another port, e.g. SELFSCAN_PORT=8080 npm start`;
  return `cannot listen on ${where}: no network interface has the address ${host}. Set SELFSCAN_HOST to an address of this machine (e.g. SELFSCAN_HOST=localhost).`;
}
