// The API's shapes, once: TypeBox schemas that Fastify validates with (strict: no coercion, no
// dropped fields), that /openapi.json publishes, and whose Static types the CLI uses.
import { type Static, Type } from 'typebox';
import { ADDRESS_CLASSES } from '../core/address.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for /openapi.json. */
    summary?: string;
    /** Left out of /openapi.json (health probes). */
    hide?: boolean;
  }
}

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'Error', description: 'Every error answer, whatever the status.' },
);

const AddressClass = Type.Union(ADDRESS_CLASSES.map((c) => Type.Literal(c)));
const Family = Type.Union([Type.Literal(4), Type.Literal(6)]);

export const MeResponse = Type.Object({
  address: Type.String({ description: 'The address that would be tested, in its stored form.' }),
  family: Family,
  class: AddressClass,
  allowed: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  mode: Type.Union([Type.Literal('local'), Type.Literal('public')]),
  familyOrigins: Type.Optional(
    Type.Object(
      { v4: Type.Optional(Type.String()), v6: Type.Optional(Type.String()) },
      {
        description:
          'The IPv4-only and IPv6-only origins of this service: GET /api/v1/whoami there gives a ticket for POST /api/v1/scans (issue 15).',
      },
    ),
  ),
});

export const WhoamiQuery = Type.Object(
  {
    nonce: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{16,64}$',
        description: 'The `nonce` of POST /api/v1/consent: the ticket joins only that diagnosis.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WhoamiQuery = Static<typeof WhoamiQuery>;

export const WhoamiResponse = Type.Object({
  address: Type.String({ description: "This connection's address, in its stored form." }),
  family: Family,
  class: AddressClass,
  allowed: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  ticket: Type.Union([Type.String(), Type.Null()], {
    description:
      "A signed claim of this connection's own address for POST /api/v1/scans `tickets`: single use, valid 120 s; null without a nonce or when the address may not be tested.",
  }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const ConsentBody = Type.Object(
  {
    accept: Type.Literal(true, { description: 'The requester accepts the terms.' }),
    udp: Type.Optional(
      Type.Boolean({ description: 'Also allow UDP probes (one read-only request per port).' }),
    ),
    identify: Type.Optional(
      Type.Boolean({
        description: 'Also allow service identification (詳細診断) on open TCP ports.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const ConsentResponse = Type.Object({
  token: Type.String(),
  nonce: Type.String({
    description:
      "Public: pass it to GET /api/v1/whoami on the family origins; their tickets join only this consent's diagnosis.",
  }),
  termsVersion: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  scopes: Type.Array(
    Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('identify')]),
    { description: 'What the token allows: always tcp, plus udp and identify when asked.' },
  ),
});

export const Preset = Type.Union([
  Type.Literal('core'),
  Type.Literal('service'),
  Type.Literal('all'),
]);

export const ScanRequest = Type.Object(
  {
    ports: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
        minItems: 1,
        maxItems: 65535,
        uniqueItems: true,
        description: 'TCP ports; at most 1055 in public mode.',
      }),
    ),
    preset: Type.Optional(Preset),
    label: Type.Optional(
      Type.String({
        maxLength: 100,
        pattern: '^[^\\u0000-\\u001f\\u007f]*$',
        description: 'A note for yourself; no control characters.',
      }),
    ),
    tickets: Type.Optional(
      Type.Array(Type.String({ maxLength: 1024 }), {
        maxItems: 2,
        description:
          'Family tickets from GET /api/v1/whoami on the family origins (at most one per family): the diagnosis also covers their addresses.',
      }),
    ),
    udp: Type.Optional(
      Type.Boolean({
        description: 'Add the UDP entries of the preset (needs the consent scope udp).',
      }),
    ),
    udpPorts: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
        minItems: 1,
        maxItems: 64,
        uniqueItems: true,
        description: 'UDP ports, listed explicitly (needs the consent scope udp).',
      }),
    ),
    identify: Type.Optional(
      Type.Boolean({
        description:
          'Identify the services on open TCP ports after the scan (needs the consent scope identify).',
      }),
    ),
    org: Type.Optional(Type.Unknown({ description: 'Not supported yet.' })),
  },
  { additionalProperties: false, description: 'Exactly one of `ports` or `preset`.' },
);
export type ScanRequest = Static<typeof ScanRequest>;

export const ScanAccepted = Type.Object({
  id: Type.String({ description: 'The secret that opens the result.' }),
  url: Type.String(),
  code: Type.String({
    description: 'A short reference to read aloud; it does not open the result.',
  }),
});

export const PortResultSchema = Type.Object({
  port: Type.Integer(),
  protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
  state: Type.Union([
    Type.Literal('open'),
    Type.Literal('closed'),
    Type.Literal('filtered'),
    Type.Literal('error'),
  ]),
  reason: Type.String(),
  ms: Type.Integer(),
  family: Type.Optional(Family),
});

const Verdict = Type.Union([
  Type.Literal('exposed'),
  Type.Literal('incomplete'),
  Type.Literal('safe'),
]);

export const TargetContextSchema = Type.Object(
  {
    network: Type.Union([Type.Object({ asn: Type.Integer(), name: Type.String() }), Type.Null()]),
    networkData: Type.Union([Type.Literal('loaded'), Type.Literal('none')]),
    carrier: Type.Optional(
      Type.Object({
        name: Type.String(),
        kind: Type.Union([Type.Literal('mobile'), Type.Literal('mixed')]),
      }),
    ),
    shared: Type.Optional(
      Type.Object({
        reason: Type.Union([
          Type.Literal('cgnat'),
          Type.Literal('carrier-nat'),
          Type.Literal('other-network'),
        ]),
        certain: Type.Boolean(),
      }),
    ),
    ipv6Interface: Type.Optional(Type.Union([Type.Literal('eui64'), Type.Literal('random')])),
    untrustedProxy: Type.Optional(Type.Literal(true)),
  },
  { description: 'What can honestly be said about the address tested (docs/address-context.md).' },
);

export const TargetSchema = Type.Object({
  family: Family,
  address: Type.Union([Type.String(), Type.Null()]),
  class: Type.Union([AddressClass, Type.Null()]),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
    Type.Literal('not_tested'),
  ]),
  verdict: Type.Union([Verdict, Type.Null()]),
  reason: Type.Optional(Type.String({ description: 'Why a family was not tested.' })),
  context: Type.Union([TargetContextSchema, Type.Null()]),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const FindingSchema = Type.Object(
  {
    port: Type.Integer(),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
    id: Type.String({ description: 'A stable id (docs/api.md lists them).' }),
    severity: Type.Union([
      Type.Literal('high'),
      Type.Literal('medium'),
      Type.Literal('low'),
      Type.Literal('info'),
    ]),
    detail: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  },
  { description: 'What UDP answers and service identification found on one port.' },
);

export const ScanResponse = Type.Object({
  id: Type.String(),
  code: Type.String(),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
  ]),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  address: Type.String(),
  family: Family,
  class: AddressClass,
  verdict: Nullable(
    Type.Union([Type.Literal('exposed'), Type.Literal('incomplete'), Type.Literal('safe')]),
  ),
  total: Type.Integer(),
  label: Nullable(Type.String()),
  targets: Type.Optional(
    Type.Array(TargetSchema, {
      description:
        'Every address the diagnosis covers (the requester first), and each family it could not test (`not_tested`, never safe).',
    }),
  ),
  results: Type.Array(PortResultSchema),
  findings: Type.Optional(Type.Array(FindingSchema)),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  expiresAt: Type.String({ format: 'date-time', description: 'When the result is deleted.' }),
  termsVersion: Type.String(),
  catalogVersion: Type.String(),
  timing: Type.Optional(
    Type.Object(
      {
        window: Type.Object({
          initial: Type.Integer(),
          max: Type.Integer(),
          low: Type.Integer(),
          high: Type.Integer(),
          final: Type.Integer(),
          sendDelayMs: Type.Number(),
          slowdowns: Type.Integer(),
        }),
        reprobes: Type.Integer(),
        triesPerSilentPort: Type.Integer(),
        lateAnswers: Type.Integer(),
        timeoutMs: Type.Integer(),
      },
      {
        description:
          'What the scan timing did, once done: the probe window (start, smallest, largest, end), the largest send delay, how often drops slowed it down, re-probes sent, tries per silent port, answers caught after their deadline, the learned deadline.',
      },
    ),
  ),
});
export type ScanResponse = Static<typeof ScanResponse>;

export const ScanIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ConsentHeaders = Type.Object({
  'selfscan-consent': Type.Optional(Type.String({ maxLength: 200 })),
});

// Public statistics (issue 12): GET /api/v1/stats and /api/v1/stats.csv.
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC).' });
export const StatsQuery = Type.Object(
  {
    from: Type.Optional(Day),
    to: Type.Optional(Day),
  },
  {
    additionalProperties: false,
    description:
      'The period, widened to whole ISO weeks (Monday–Sunday, UTC) and ending no later than the last complete week. Default: the last 52 complete weeks.',
  },
);
export type StatsQuery = Static<typeof StatsQuery>;

const Count = Nullable(Type.Integer({ minimum: 0 }));
export const StatsPortFigure = Type.Object({
  port: Type.Integer(),
  protocol: Type.String(),
  tested: Count,
  open: Count,
  openShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
});

export const StatsResponse = Type.Object(
  {
    from: Type.String({ description: 'First day (a Monday).' }),
    to: Type.String({ description: 'Last day (a Sunday).' }),
    k: Type.Integer({
      description:
        'SELFSCAN_STATS_MIN_CELL: counts from 1 to k-1 (and the cells that would reveal them) are null.',
    }),
    diagnoses: Count,
    outcomes: Type.Object({
      exposed: Count,
      incomplete: Count,
      safe: Count,
      failed: Count,
    }),
    ports: Type.Array(StatsPortFigure, {
      description:
        'Per port: in how many diagnoses (per address family) it answered open, closed or filtered (`tested`), and was open.',
    }),
    families: Type.Array(
      Type.Object({ family: Family, diagnoses: Count, ports: Type.Array(StatsPortFigure) }),
    ),
    weekly: Type.Array(
      Type.Object({
        week: Type.String({ description: 'The Monday of the week.' }),
        diagnoses: Count,
        ports: Type.Array(StatsPortFigure, { description: 'Ports 445, 139, 22, 23 and 3389.' }),
      }),
    ),
    licence: Type.Object({ name: Type.String(), url: Type.String() }),
  },
  { $id: 'Stats', description: 'Anonymous counts; null = suppressed (fewer than k).' },
);
export type StatsResponse = Static<typeof StatsResponse>;
