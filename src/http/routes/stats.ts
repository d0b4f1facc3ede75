// Open data: the public statistics as JSON and CSV (the /stats page shows the same figures).
import type { FastifyInstance } from 'fastify';
import { STATS_LICENCE } from '../../core/public-stats.js';
import { StatsQuery, StatsResponse } from '../api-schemas.js';
import type { AppDeps } from '../app-deps.js';
import { statsCsv } from '../stats-source.js';

const LICENCE_LINK = `<${STATS_LICENCE.url}>; rel="license"`;

export async function statsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{ Querystring: StatsQuery }>(
    '/api/v1/stats',
    {
      schema: {
        summary: `Anonymous statistics per port and week (small cells suppressed; ${STATS_LICENCE.name}).`,
        querystring: StatsQuery,
        response: { 200: StatsResponse },
      },
    },
    async (request, reply) => {
      const stats = await deps.stats.get(request.query);
      return reply
        .header('link', LICENCE_LINK)
        .header('cache-control', 'public, max-age=300')
        .send(stats);
    },
  );
  app.get<{ Querystring: StatsQuery }>(
    '/api/v1/stats.csv',
    {
      schema: {
        summary: `The same statistics as CSV, one figure per line (${STATS_LICENCE.name}).`,
        querystring: StatsQuery,
      },
    },
    async (request, reply) => {
      const stats = await deps.stats.get(request.query);
      return reply
        .header('link', LICENCE_LINK)
        .header('cache-control', 'public, max-age=300')
        .header(
          'content-disposition',
          `attachment; filename="selfscan-stats-${stats.from}-${stats.to}.csv"`,
        )
        .type('text/csv; charset=utf-8')
        .send(statsCsv(stats));
    },
  );
}
