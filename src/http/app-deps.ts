// What every route module gets from the app: the parts (config, store, queue, events) and the
// few request-level decisions made once for all routes (who is asking, rate limits, origin).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { AsnTable } from '../core/asn-table.js';
import type { CanaryHealth } from '../core/canary.js';
import type { EgressFamilyStatus } from '../core/egress-check.js';
import type { Mailer } from '../jobs/mailer.js';
import type { ScanEvents } from '../queue/scan-events.js';
import type { ScanQueue } from '../queue/scan-queue.js';
import type { Store } from '../store/store.js';
import type { RateLimitKind } from './rate-limits.js';
import type { Requester } from './requester.js';
import type { StatsSource } from './stats-source.js';
import type { Tickets } from './tickets.js';

export interface AppDeps {
  config: Config;
  store: Store;
  queue: ScanQueue;
  events: ScanEvents;
  scannerHealth: () => CanaryHealth;
  /** The egress self-test per family (empty when no reference is configured). */
  egressStatus: () => EgressFamilyStatus[];
  requesterOf: (request: FastifyRequest) => Requester;
  /** Family tickets (issue 15): sign and verify claims of a connection's own address. */
  tickets: Tickets;
  /** A ticket's address described like a requester (its own key, stored form, class). */
  targetOf: (address: string) => Requester;
  /** The offline network table (address context); null = no network data loaded. */
  asnTable: AsnTable | null;
  /** Counts one diagnosis (or one consent) against the requester's hourly limits; 429 when over. */
  checkRateLimits: (requester: Requester, kind?: RateLimitKind) => Promise<void>;
  /** scheme://host[:port] for links the service shows: the configured origin, else the
   *  request's own (its Host has passed the allowed-hosts check). */
  originOf: (request: FastifyRequest) => string;
  /** SMTP for password-reset and invitation mail (SELFSCAN_SMTP_URL); unset = none sent. */
  mailer?: Mailer | undefined;
  /** The public statistics (page, JSON, CSV: the same figures). */
  stats: StatsSource;
  /** Set by the page routes: errors on HTML routes become friendly pages. */
  renderErrorPage?: (err: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}
