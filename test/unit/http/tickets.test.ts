// Family tickets (issue 15): a ticket names only the address it was issued to, for one nonce,
// for 120 s. Spending (single use) is the store's: test/integration/family-tickets.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import {
  createTickets,
  resolveTicketKey,
  TICKET_TTL_MS,
  TicketError,
} from '../../../src/http/tickets.js';

const tickets = createTickets('k'.repeat(32));
const NONCE = 'n0nce-n0nce-n0nce-n0';
const T0 = 1_800_000_000_000;

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TicketError, String(err));
    return err.problem;
  }
  assert.fail('expected a TicketError');
};

/** Re-encodes a ticket's claim with edits, keeping the (now wrong) signature. */
function edited(ticket: string, edit: (claim: Record<string, unknown>) => void): string {
  const [body, sig] = ticket.split('.') as [string, string];
  const claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  edit(claim);
  return `${Buffer.from(JSON.stringify(claim)).toString('base64url')}.${sig}`;
}

describe('family tickets', () => {
  it('round-trips the claim of the address it was issued to', () => {
    const t = tickets.issue('2001:db8::7', 6, NONCE, T0);
    assert.equal(t.expiresAt, T0 + TICKET_TTL_MS);
    const claim = tickets.verify(t.ticket, NONCE, T0 + 1000);
    assert.deepEqual(claim, {
      address: '2001:db8::7',
      family: 6,
      nonce: NONCE,
      expiresAt: T0 + TICKET_TTL_MS,
      id: t.id,
    });
  });

  it('refuses an edited address, family or expiry (the signature covers them)', () => {
    const t = tickets.issue('192.0.2.7', 4, NONCE, T0).ticket;
    for (const edit of [
      (c: Record<string, unknown>) => {
        c.a = '192.0.2.8';
      },
      (c: Record<string, unknown>) => {
        c.f = 6;
      },
      (c: Record<string, unknown>) => {
        c.e = T0 + 10 * TICKET_TTL_MS;
      },
      (c: Record<string, unknown>) => {
        c.n = 'other-nonce-other-no';
      },
    ])
      assert.equal(
        problem(() => tickets.verify(edited(t, edit), NONCE, T0)),
        'signature',
      );
  });

  it('refuses a forged signature, another key, garbage', () => {
    const t = tickets.issue('192.0.2.7', 4, NONCE, T0).ticket;
    const [body] = t.split('.');
    const forged = `${body}.${Buffer.alloc(32).toString('base64url')}`;
    assert.equal(
      problem(() => tickets.verify(forged, NONCE, T0)),
      'signature',
    );
    const other = createTickets('x'.repeat(32)).issue('192.0.2.7', 4, NONCE, T0).ticket;
    assert.equal(
      problem(() => tickets.verify(other, NONCE, T0)),
      'signature',
    );
    for (const junk of ['', '.', 'abc', 'a.b.c', `${body}.`, 'x'.repeat(2000)])
      assert.ok(
        ['malformed', 'signature'].includes(problem(() => tickets.verify(junk, NONCE, T0))),
      );
  });

  it('refuses another nonce and an expired ticket', () => {
    const t = tickets.issue('192.0.2.7', 4, NONCE, T0).ticket;
    assert.equal(
      problem(() => tickets.verify(t, 'another-nonce-000000', T0)),
      'nonce',
    );
    assert.equal(
      problem(() => tickets.verify(t, NONCE, T0 + TICKET_TTL_MS)),
      'expired',
    );
  });

  it('a signed claim whose address is not in normal form is refused too', () => {
    // Only this code signs; still, the address in a claim must be the literal it says.
    const sign = createTickets('k'.repeat(32));
    const t = sign.issue('::ffff:192.0.2.7', 4, NONCE, T0).ticket;
    assert.equal(
      problem(() => sign.verify(t, NONCE, T0)),
      'malformed',
    );
  });

  it('the nonce of a consent is derived, stable, and differs per consent', () => {
    const a = tickets.nonceOf('hash-a');
    assert.equal(a, tickets.nonceOf('hash-a'));
    assert.notEqual(a, tickets.nonceOf('hash-b'));
    assert.match(a, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(a, createTickets('x'.repeat(32)).nonceOf('hash-a'));
  });
});

describe('the ticket key', () => {
  it('SELFSCAN_TICKET_KEY wins; unset in local mode it is generated once beside the database', () => {
    assert.equal(
      resolveTicketKey(loadConfig({ SELFSCAN_TICKET_KEY: 'z'.repeat(40) })),
      'z'.repeat(40),
    );
    const dir = mkdtempSync(join(tmpdir(), 'selfscan-key-'));
    const config = loadConfig({
      SELFSCAN_DATABASE_URL: `sqlite:${join(dir, 'data', 'db.sqlite')}`,
    });
    const first = resolveTicketKey(config);
    assert.ok(first.length >= 32);
    assert.equal(resolveTicketKey(config), first, 'kept across restarts');
    const file = join(dir, 'data', 'ticket-key');
    assert.equal(readFileSync(file, 'utf8').trim(), first);
    assert.equal(statSync(file).mode & 0o077, 0, 'readable by the owner only');
  });

  it('is required in public mode', () => {
    assert.throws(
      () =>
        loadConfig({
          SELFSCAN_MODE: 'public',
          SELFSCAN_CANARY: '192.0.2.1:9',
          SELFSCAN_EGRESS_REFERENCE: '192.0.2.10',
          SELFSCAN_IP_STORAGE: 'truncate',
        }),
      /SELFSCAN_TICKET_KEY is required in public mode/,
    );
  });
});
