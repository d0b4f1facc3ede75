// One short identification exchange with an open TCP port, with hard caps: at most `byteCap`
// bytes are ever kept (4 KiB), the whole exchange lasts at most `timeCapMs` (2 s) from connect()
// on, and the connection ends with a RST (resetAndDestroy: no half-open session, no TIME-WAIT,
// nothing left for the user's service to wait on). A peer that streams forever, sends a 10 MB
// banner, trickles one byte a second or never answers ends at a cap like any other: what was
// read by then is the answer. Bytes past the cap are dropped as they arrive (the socket is torn
// down at once), so memory stays bounded whatever the peer does.
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeTarget } from '../tcp-probe.js';

export const IDENTIFY_BYTE_CAP = 4096;
export const IDENTIFY_TIME_CAP_MS = 2000;

export interface ExchangeOptions {
  localAddress?: string;
  byteCap?: number;
  timeCapMs?: number;
  signal?: AbortSignal;
  /** Speak TLS over the connection (certificates are read, never verified). */
  tls?: boolean;
}

export type ExchangeEnd = 'done' | 'byte-cap' | 'time-cap' | 'closed' | 'failed' | 'aborted';

export interface Conversation {
  /** Sends bytes (ignored once the exchange has ended). */
  send(bytes: Uint8Array): void;
  /** Bytes received since the last read, once `enough` says so, or when the exchange ends (a
   *  cap, the peer closed): then whatever arrived, possibly nothing. */
  read(enough: (received: Buffer) => boolean): Promise<Buffer>;
  /** The peer's certificate (TLS only), once the handshake is done. */
  readonly certificate?: tls.PeerCertificate;
}

export interface ExchangeResult<T> {
  value: T | undefined;
  end: ExchangeEnd;
  /** Bytes kept (≤ byteCap). */
  bytes: number;
  error?: string;
}

export async function tcpExchange<T>(
  target: ProbeTarget,
  port: number,
  talk: (c: Conversation) => Promise<T>,
  options: ExchangeOptions = {},
): Promise<ExchangeResult<T>> {
  const byteCap = options.byteCap ?? IDENTIFY_BYTE_CAP;
  const timeCapMs = options.timeCapMs ?? IDENTIFY_TIME_CAP_MS;
  let end: ExchangeEnd | undefined;
  let error: string | undefined;
  let kept = 0;
  let pending: Buffer[] = [];
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };

  const raw = new net.Socket();
  let stream: net.Socket = raw;
  let certificate: tls.PeerCertificate | undefined;
  let reached = false;
  const finish = (why: ExchangeEnd, err?: string) => {
    if (end) return;
    end = why;
    error = err;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // RST, not FIN: the peer's session ends at once.
    if (!raw.destroyed) {
      if (raw.readyState === 'open') raw.resetAndDestroy();
      else raw.destroy();
    }
    if (stream !== raw) stream.destroy();
    wake();
  };
  const timer = setTimeout(() => finish('time-cap'), timeCapMs);
  const onAbort = () => finish('aborted');
  if (options.signal?.aborted) finish('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const onData = (chunk: Buffer) => {
    if (end) return;
    const room = byteCap - kept;
    if (chunk.length > room) {
      if (room > 0) pending.push(Buffer.from(chunk.subarray(0, room)));
      kept = byteCap;
      finish('byte-cap');
      return;
    }
    pending.push(Buffer.from(chunk)); // a copy: never pin a larger pooled slab
    kept += chunk.length;
    wake();
  };

  const connected = new Promise<void>((resolve) => {
    if (end) return resolve();
    raw.once('error', (e: NodeJS.ErrnoException) => finish('failed', e.code ?? e.message));
    raw.once('close', () => finish('closed'));
    raw.connect(
      {
        host: target.address,
        port,
        family: target.family,
        autoSelectFamily: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      () => {
        reached = true;
        if (!options.tls) {
          raw.on('data', onData);
          raw.on('end', () => finish('closed'));
          resolve();
          return;
        }
        const secure = tls.connect({
          socket: raw,
          rejectUnauthorized: false, // identification, not trust: an invalid certificate is data
          servername: undefined,
        });
        stream = secure;
        secure.once('error', (e: NodeJS.ErrnoException) => finish('failed', e.code ?? e.message));
        secure.once('secureConnect', () => {
          certificate = secure.getPeerCertificate();
          secure.on('data', onData);
          secure.on('end', () => finish('closed'));
          resolve();
        });
      },
    );
    const stop = () => resolve();
    raw.once('close', stop);
  });
  await connected;

  const conversation: Conversation = {
    send(bytes) {
      if (!end) stream.write(bytes);
    },
    read(enough) {
      return new Promise<Buffer>((resolve) => {
        const check = () => {
          const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          if (end || enough(all)) {
            pending = [];
            resolve(all);
            return;
          }
          pending = [all];
          waiter = check;
        };
        check();
      });
    },
    get certificate() {
      return certificate;
    },
  };

  let value: T | undefined;
  try {
    // Whatever ended the exchange before the talk began (a cap, the peer's close), what arrived
    // is still its answer; only a connection that never opened has nothing to read.
    value = reached ? await talk(conversation) : undefined;
  } catch (err) {
    error = (err as Error).message;
  }
  finish('done');
  return { value, end: end ?? 'done', bytes: kept, ...(error ? { error } : {}) };
}

/** Reads until `n` bytes are there (or the exchange ends). */
export const atLeast = (n: number) => (b: Buffer) => b.length >= n;
/** Reads until a line end (or the exchange ends). */
export const line = (b: Buffer) => b.includes(0x0a);
