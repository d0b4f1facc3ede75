// The CLI's side of API v1: consent → scan → wait → result. It never names a target: the server
// tests the address this connection comes from, as it does for every client.
import type { ScanResponse } from '../http/api-schemas.js';

/** GET /api/v1/scans/:id, typed from the schema the server validates and documents with. */
export type ScanResult = ScanResponse;

export class ApiClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export function createApiClient(server: string) {
  const base = server.replace(/\/+$/, '');
  async function call<T>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new ApiClientError('unreachable', `cannot reach ${base}: ${(err as Error).message}`);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const e = (json as { error?: { code: string; message: string } } | undefined)?.error;
      throw new ApiClientError(
        e?.code ?? `http_${response.status}`,
        e?.message ?? `HTTP ${response.status}`,
      );
    }
    return json as T;
  }
  return {
    me: () =>
      call<{ address: string; family: 4 | 6; class: string; allowed: boolean; reason?: string }>(
        'GET',
        '/api/v1/me',
      ),
    async diagnose(
      body: { ports?: number[]; preset?: string; label?: string },
      onProgress?: (scan: ScanResult) => void,
    ): Promise<ScanResult> {
      const { token } = await call<{ token: string }>('POST', '/api/v1/consent', {
        body: { accept: true },
      });
      const { id } = await call<{ id: string }>('POST', '/api/v1/scans', {
        body,
        headers: { 'selfscan-consent': token },
      });
      for (;;) {
        const scan = await call<ScanResult>('GET', `/api/v1/scans/${encodeURIComponent(id)}`);
        onProgress?.(scan);
        if (scan.status === 'done' || scan.status === 'failed') return scan;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
  };
}
