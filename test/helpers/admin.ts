// The dashboard in tests: accounts and organisations made through the store, and a small client
// with a cookie jar that signs in through the real forms (CSRF token from the page, session
// cookie from the answer) over app.inject().
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { hashPassword, newId, newSecret } from '../../src/http/admin-auth.js';
import type { Role } from '../../src/store/org-store.js';
import type { Store } from '../../src/store/store.js';

export const PASSWORD = 'correct horse battery staple';

export async function makeOrg(store: Store, name: string): Promise<string> {
  const id = newId();
  await store.orgs.createOrg({ id, name, webhookSecret: newSecret(), createdAt: Date.now() });
  return id;
}

let accountNo = 0;
export async function makeAccount(
  store: Store,
  role: Role,
  orgId: string | null = null,
  password = PASSWORD,
): Promise<string> {
  const email = `admin${++accountNo}-${newId().slice(0, 6).toLowerCase()}@example.org`;
  await store.orgs.createAccount({
    id: newId(),
    email,
    passwordHash: await hashPassword(password),
    role,
    orgId,
    createdAt: Date.now(),
  });
  return email;
}

export interface Answer {
  status: number;
  headers: import('node:http').OutgoingHttpHeaders;
  body: string;
}

export class AdminClient {
  readonly jar = new Map<string, string>();
  constructor(
    readonly app: FastifyInstance,
    readonly remoteAddress = '127.0.0.1',
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      remoteAddress: this.remoteAddress,
      headers: {
        accept: 'text/html',
        ...(this.jar.size ? { cookie: this.cookieHeader() } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair = '', ...attrs] = c.split(';');
      const [name = '', ...value] = pair.split('=');
      const expired = attrs.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value.join('=') === '') this.jar.delete(name.trim());
      else this.jar.set(name.trim(), value.join('='));
    }
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }

  /** A CSRF token from a page (the token matches the jar's CSRF cookie). */
  async csrf(from = '/admin/login'): Promise<string> {
    const page = await this.request('GET', from);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.body);
    assert.ok(m, `no CSRF token on ${from} (status ${page.status})`);
    return m[1]!;
  }

  /** POST with a fresh CSRF token. */
  async post(url: string, form: Record<string, string> = {}, tokenFrom?: string): Promise<Answer> {
    const _csrf = await this.csrf(tokenFrom);
    return this.request('POST', url, { ...form, _csrf });
  }

  async login(email: string, password = PASSWORD, code?: string): Promise<Answer> {
    return this.post('/admin/login', { email, password, ...(code ? { code } : {}) });
  }

  session(): string | undefined {
    return this.jar.get('selfscan_session');
  }
}
