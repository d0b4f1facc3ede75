// /healthz: the process is up. /readyz: it can take scans (database, queue, scanner canary, egress
// self-test). Ports the egress self-test found blocked are listed: this server cannot test them.
import type { FastifyInstance } from 'fastify';
import { portRanges } from '../../core/port-ranges.js';
import type { AppDeps } from '../app-deps.js';

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
    const egress = deps.egressStatus().map((e) => ({
      family: e.family,
      reference: e.reference,
      checkedAt: e.checkedAt === null ? null : new Date(e.checkedAt).toISOString(),
      checkedPorts: e.checked,
      blockedPorts: portRanges(e.blocked),
    }));
    await run('egress', async () => {
      for (const e of deps.egressStatus()) {
        if (e.checkedAt === null)
          throw new Error(`IPv${e.family} egress reference not checked yet`);
        if (e.unreachable)
          throw new Error(
            `IPv${e.family} egress reference ${e.reference} is unreachable from here`,
          );
      }
    });
    // Scaled out: which vantage points have a scanner worker alive (the scanner check fails
    // when one has none).
    const vantages = deps.vantageStatus?.();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      checks,
      ...(egress.length > 0 && { egress }),
      ...(vantages && { vantages }),
    });
  });
}
