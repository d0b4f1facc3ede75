// /healthz: the process is up. /readyz: it can take scans (database, queue, scanner canary).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../build-app.js';

export async function healthRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    const run = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (err) {
        ready = false;
        checks[name] = (err as Error).message || 'failed';
      }
    };
    await run('database', () => deps.store.ping());
    await run('queue', () => deps.queue.ping());
    await run('scanner', async () => {
      const health = deps.scannerHealth();
      if (!health.healthy) throw new Error(health.detail);
    });
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
