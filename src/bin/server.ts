// The web server (and, with no Redis configured, the scanner too). SIGTERM/SIGINT: stop
// accepting, let running scans finish until SELFSCAN_SHUTDOWN_TIMEOUT_MS, persist the rest as
// failed/interrupted, exit.
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '../config.js';
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

let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, {
    logger: {
      level: config.logLevel,
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

await service.app.listen({ host: config.host, port: config.port });
service.app.log.info(
  `selfscan ${config.mode} mode listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
);
