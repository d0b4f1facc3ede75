// /openapi.json, generated from the very schemas Fastify validates with (collected as routes are
// registered), so the document cannot drift from the behaviour.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ErrorBody } from './api-schemas.js';

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

export function collectRoutes(app: FastifyInstance): Collected[] {
  const routes: Collected[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (!route.url.startsWith('/api/') || schema.hide) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema });
    }
  });
  return routes;
}

export function buildOpenApi(routes: readonly Collected[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url, schema } of routes) {
    const path = url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (url === '/api/v1/scans' && method === 'post')
      parameters.push({
        name: 'Selfscan-Consent',
        in: 'header',
        // Required unless Authorization: Bearer carries an organisation's report token.
        required: false,
        schema: { type: 'string' },
      });
    // Organisations (issue 11): a managed PC's report token instead of the consent header;
    // a read token (or a dashboard session) for an organisation's diagnoses.
    if ((url === '/api/v1/scans' && method === 'post') || url.startsWith('/api/v1/orgs/'))
      parameters.push({
        name: 'Authorization',
        in: 'header',
        required: false,
        schema: { type: 'string' },
      });
    const query = (schema.querystring ?? {}) as { properties?: Record<string, unknown> };
    for (const [name, s] of Object.entries(query.properties ?? {}))
      parameters.push({ name, in: 'query', required: false, schema: s as { type: string } });
    if (url.endsWith('/events'))
      parameters.push({
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        schema: { type: 'string' },
      });
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(
      (schema.response ?? {}) as Record<string, unknown>,
    )) {
      responses[status] = {
        description: status,
        content: { 'application/json': { schema: body } },
      };
    }
    if (url.endsWith('/events'))
      responses['200'] = {
        description: 'text/event-stream: `result` events (id = seq), then `end`.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      };
    if (url.endsWith('.csv'))
      responses['200'] = {
        description: 'text/csv: header `from,to,k,week,family,port,protocol,measure,value`.',
        content: { 'text/csv': { schema: { type: 'string' } } },
      };
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: ErrorBody } },
    };
    paths[path] ??= {};
    paths[path][method] = {
      summary: schema.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(schema.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schema.body } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'selfscan API',
      version,
      description:
        "Diagnoses the requester's own address only: the scan target is never a parameter. Every error is { error: { code, message } }.",
    },
    paths,
  };
}
