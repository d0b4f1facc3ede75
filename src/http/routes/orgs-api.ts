// GET /api/v1/orgs/:org/diagnoses (+ .csv): an organisation's diagnoses for its own tools. Who
// may read: a dashboard session of that organisation (or the operator), or
// `Authorization: Bearer <read token>` of that organisation. No credentials → 401; credentials of
// someone else → 403.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { bearerToken, currentAccount, mayAccessOrg, sha256 } from '../admin-auth.js';
import { ErrorBody } from '../api-schemas.js';
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { diagnosesCsv, diagnosisJson, parseDiagnosisFilter } from '../org-diagnoses.js';

const Diagnosis = Type.Object({
  id: Type.String(),
  code: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  status: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  address: Type.String(),
  family: Type.Union([Type.Literal(4), Type.Literal(6)]),
  class: Type.String(),
  verdict: Type.Union([Type.String(), Type.Null()]),
  total: Type.Integer(),
  openPorts: Type.Array(Type.Integer()),
  via: Type.Union([Type.Object({ kind: Type.String(), name: Type.String() }), Type.Null()]),
});

export const OrgDiagnosesResponse = Type.Object({
  organisation: Type.Object({ id: Type.String(), name: Type.String() }),
  diagnoses: Type.Array(Diagnosis),
});

const Query = Type.Object(
  {
    exposed: Type.Optional(Type.String({ enum: ['0', '1', 'true', 'false'] })),
    port: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
    from: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    to: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }) });

export async function orgsApiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const orgs = deps.store.orgs;

  const authorise = async (request: FastifyRequest, orgId: string) => {
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      const token = await orgs.tokenByHash(sha256(bearer), Date.now());
      if (!token)
        throw new ApiError('login_required', 'The API token is not valid or was revoked.');
      if (token.orgId !== orgId || token.kind !== 'read')
        throw new ApiError('not_permitted', 'This token may not read this organisation.');
    } else {
      const account = await currentAccount(orgs, request);
      if (!account)
        throw new ApiError(
          'login_required',
          'Sign in to the dashboard, or send Authorization: Bearer <read token>.',
        );
      if (!mayAccessOrg(account, orgId))
        throw new ApiError('not_permitted', 'Your account may not read this organisation.');
    }
    const org = await orgs.getOrg(orgId);
    if (!org) throw new ApiError('not_found', 'No such organisation.');
    return org;
  };

  const schema = (summary: string) => ({
    summary,
    params: Params,
    querystring: Query,
  });

  app.get<{ Params: { org: string }; Querystring: Record<string, string> }>(
    '/api/v1/orgs/:org/diagnoses',
    {
      schema: {
        ...schema("An organisation's diagnoses, newest first (session or read token)."),
        response: {
          200: OrgDiagnosesResponse,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const org = await authorise(request, request.params.org);
      const filter = parseDiagnosisFilter(request.query);
      const limit = Math.min(10_000, Number(request.query.limit ?? 1000) || 1000);
      const rows = await orgs.listDiagnoses(org.id, { ...filter, limit });
      return { organisation: { id: org.id, name: org.name }, diagnoses: rows.map(diagnosisJson) };
    },
  );

  app.get<{ Params: { org: string }; Querystring: Record<string, string> }>(
    '/api/v1/orgs/:org/diagnoses.csv',
    { schema: schema('The same diagnoses as CSV.') },
    async (request, reply) => {
      const org = await authorise(request, request.params.org);
      const filter = parseDiagnosisFilter(request.query);
      const rows = await orgs.listDiagnoses(org.id, { ...filter, limit: 100_000 });
      return reply
        .header('cache-control', 'no-store')
        .type('text/csv; charset=utf-8')
        .send(diagnosesCsv(rows));
    },
  );
}
