// The CLI's side of API v1 (docs/api.md): me → consent → scan → events → result. It never names a
// target: the server tests the address this connection comes from, as it does for every client.
import type { ScanRequest, ScanResponse } from '../http/api-schemas.js';

/** GET /api/v1/scans/:id, typed from the schema the server validates and documents with. */
export type ScanResult = ScanResponse;
export type PortResult = ScanResult['results'][number];

export interface Me {
  address: string;
  family: 4 | 6;
  class: string;
  allowed: boolean;
  reason?: string;
  mode: 'local' | 'public';
  /** The server's IPv4-only and IPv6-only origins (issue 15), when it has them. */
  familyOrigins?: { v4?: string; v6?: string };
}

/** Why the CLI could not get a diagnosis: the network, the server's answer, or not a selfscan. */
export class ApiClientError extends Error {
  constructor(
    /** 'unreachable', 'not_selfscan', 'timeout', or the server's error code. */
    readonly code: string,
    message: string,
    /** The HTTP status when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

const REQUEST_TIMEOUT_MS = 15_000;
/** The server sends a heartbeat every 15 s; silence for this long means the stream is dead. */
const STREAM_IDLE_MS = 45_000;

export function createApiClient(server: string, signal?: AbortSignal) {
  const base = server.replace(/\/+$/, '');
  const signals = (ms: number) =>
    signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

  async function send(method: string, path: string, init: RequestInit, timeoutMs: number) {
    try {
      return await fetch(`${base}${path}`, { method, ...init, signal: signals(timeoutMs) });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiClientError('unreachable', String(why));
    }
  }

  async function call<T>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const response = await send(
      method,
      path,
      {
        headers: {
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      },
      REQUEST_TIMEOUT_MS,
    );
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new ApiClientError('unreachable', (err as Error).message);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiClientError('not_selfscan', `HTTP ${response.status}`, response.status);
    }
    if (!response.ok) {
      const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (typeof e?.code !== 'string')
        throw new ApiClientError('not_selfscan', `HTTP ${response.status}`, response.status);
      throw new ApiClientError(e.code, String(e.message ?? ''), response.status);
    }
    return json as T;
  }

  /** Reads the SSE stream until `end`; returns false if it broke off before that. */
  async function followEvents(id: string, onResult: (r: PortResult) => void): Promise<boolean> {
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), STREAM_IDLE_MS);
    const response = await fetch(`${base}/api/v1/scans/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream' },
      signal: signal ? AbortSignal.any([signal, idle.signal]) : idle.signal,
    }).catch(() => undefined);
    if (!response?.ok || !response.body) {
      clearTimeout(timer);
      return false;
    }
    let buffer = '';
    let event = 'message';
    let data = '';
    try {
      for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), STREAM_IDLE_MS);
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          if (line === '') {
            if (event === 'end') return true;
            if (event === 'result' && data) onResult(JSON.parse(data) as PortResult);
            event = 'message';
            data = '';
          } else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
      }
      return false;
    } catch {
      if (signal?.aborted) throw signal.reason;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    base,
    me: () => call<Me>('GET', '/api/v1/me'),
    consent: (scopes: { udp?: boolean; identify?: boolean } = {}) =>
      call<{ token: string; nonce?: string; termsVersion: string; expiresAt: string }>(
        'POST',
        '/api/v1/consent',
        { body: { accept: true, ...scopes } },
      ),
    /** A family ticket from a family origin (5 s; null when that family is not reachable). */
    async ticket(origin: string, nonce: string): Promise<string | null> {
      try {
        const res = await fetch(
          `${origin.replace(/\/+$/, '')}/api/v1/whoami?nonce=${encodeURIComponent(nonce)}`,
          { signal: signals(5000), cache: 'no-store' },
        );
        if (!res.ok) return null;
        const body = (await res.json()) as { ticket?: unknown };
        return typeof body.ticket === 'string' ? body.ticket : null;
      } catch {
        if (signal?.aborted) throw signal.reason;
        return null;
      }
    },
    start: (body: ScanRequest, token: string) =>
      call<{ id: string; url: string; code: string }>('POST', '/api/v1/scans', {
        body,
        headers: { 'selfscan-consent': token },
      }),
    startForOrg: (body: ScanRequest, orgToken: string) =>
      call<{ id: string; url: string; code: string }>('POST', '/api/v1/scans', {
        body,
        headers: { authorization: `Bearer ${orgToken}` },
      }),
    scan: (id: string) => call<ScanResult>('GET', `/api/v1/scans/${encodeURIComponent(id)}`),
    /** Results as they arrive (SSE; polling when the stream breaks), then the final result. */
    async wait(id: string, onResult: (r: PortResult) => void): Promise<ScanResult> {
      // One result per (family, port): a dual-stack diagnosis has each port once per family.
      const seen = new Set<string>();
      const once = (r: PortResult) => {
        const key = `${r.family ?? ''}/${r.port}`;
        if (seen.has(key)) return;
        seen.add(key);
        onResult(r);
      };
      let streaming = await followEvents(id, once);
      for (;;) {
        const scan = await this.scan(id);
        for (const r of scan.results) once(r);
        if (scan.status === 'done' || scan.status === 'failed') return scan;
        if (!streaming) await sleep(1000, signal);
        streaming = false;
      }
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
