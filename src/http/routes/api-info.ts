// Read-only API: who am I (the address that would be tested) and the port catalog.
import type { FastifyInstance } from 'fastify';
import {
  CATALOG,
  CATALOG_VERSION,
  CATEGORIES,
  PRESET_LABELS,
  PRESET_NAMES,
  presetPorts,
  TIERS,
} from '../../core/catalog.js';
import { MeResponse } from '../api-schemas.js';
import type { AppDeps } from '../app-deps.js';

export async function apiInfoRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/me',
    {
      schema: {
        summary: 'The address a diagnosis would test: yours.',
        response: { 200: MeResponse },
      },
    },
    async (request) => {
      const me = deps.requesterOf(request);
      return {
        address: me.display,
        family: me.family,
        class: me.class,
        allowed: me.allowed,
        ...(me.reason ? { reason: me.reason } : {}),
        mode: deps.config.mode,
        ...(deps.config.familyOrigins.v4 || deps.config.familyOrigins.v6
          ? { familyOrigins: deps.config.familyOrigins }
          : {}),
      };
    },
  );

  const catalog = {
    version: CATALOG_VERSION,
    categories: CATEGORIES,
    tiers: TIERS,
    entries: CATALOG,
    presets: PRESET_NAMES.map((name) => ({
      name,
      label: PRESET_LABELS[name],
      // `all` is 65 535 ports: describe it by range rather than list it
      ...(name === 'core'
        ? { ports: presetPorts(name) }
        : { range: name === 'service' ? [1, 1055] : [1, 65535] }),
      available: name !== 'all' || deps.config.mode === 'local',
    })),
  };
  app.get(
    '/api/v1/catalog',
    { schema: { summary: 'The port catalog and presets.' } },
    async () => catalog,
  );
}
