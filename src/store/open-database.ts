// SELFSCAN_DATABASE_URL → a Kysely instance over better-sqlite3 or pg.
//   sqlite:./data/selfscan.db  sqlite:/var/lib/selfscan/db  (folder created if missing)
//   sqlite::memory:            (tests; gone on close)
//   postgres://… | postgresql://…  (a pg Pool; libpq-style query parameters such as
//                               ?options=-c%20search_path%3Dmy_schema pass through to pg)
import { mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './db-schema.js';
import { StorageUnavailableError } from './store.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  /** Throws StorageUnavailableError when the database file is gone or replaced, or its disk is
   *  full (a write to an unlinked file "succeeds" and is lost). A no-op for PostgreSQL and
   *  :memory:. Cheap: two stat calls. */
  check(): void;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** Below this much free space on the SQLite file's disk, the database counts as full: SQLite
 *  then fails commits part-way (SQLITE_FULL) and the WAL cannot grow. */
const SQLITE_MIN_FREE_BYTES = 256 * 1024;

export interface OpenDatabaseOptions {
  /** An idle pooled PostgreSQL connection failed (server restart, network). The pool drops it
   *  and the next query reconnects; without a listener pg would crash the process. */
  onPoolError?: (err: Error) => void;
}

/** How long a SQLite writer waits for another connection's lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export async function openDatabase(
  url: string,
  options: OpenDatabaseOptions = {},
): Promise<OpenDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, options);
  }
  // Never echo the URL: it may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  throw new Error(
    `unsupported database URL scheme ${scheme}: use sqlite:<path>, sqlite::memory: or postgres://…`,
  );
}

function openSqlite(path: string): OpenDatabase {
  if (path === '' || path.startsWith('//')) {
    throw new Error(
      'SQLite database URL: use sqlite:./relative/path, sqlite:/absolute/path or sqlite::memory:',
    );
  }
  const memory = path === ':memory:';
  let sqlite: SqliteDatabase.Database;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    sqlite = new SqliteDatabase(path);
  } catch (err) {
    throw cannotOpen(path, err);
  }
  try {
    // WAL: readers never block the writer. NORMAL: a commit survives a crash of the process;
    // only an OS crash or power loss can roll back the last commits (reliability-security §4.6).
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    if (sqlite.pragma('foreign_keys', { simple: true }) !== 1) {
      throw new Error('SQLite: foreign keys could not be enabled');
    }
  } catch (err) {
    sqlite.close();
    throw cannotOpen(path, err);
  }
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  const opened = memory ? undefined : statSync(path);
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: 'sqlite',
    check() {
      if (!opened) return;
      let now: ReturnType<typeof statSync>;
      try {
        now = statSync(path);
      } catch {
        throw new StorageUnavailableError(
          `the SQLite file ${resolve(path)} was deleted while the service runs; restart it`,
        );
      }
      if (now.ino !== opened.ino || now.dev !== opened.dev)
        throw new StorageUnavailableError(
          `the SQLite file ${resolve(path)} was replaced while the service runs; restart it`,
        );
      const fs = statfsSync(dirname(path));
      if (fs.bavail * fs.bsize < SQLITE_MIN_FREE_BYTES)
        throw new StorageUnavailableError(
          `the disk holding ${resolve(path)} is full (${fs.bavail * fs.bsize} bytes free)`,
        );
    },
    close() {
      closing ??= (async () => {
        await db.destroy();
        // Kysely closes the handle only if it ever ran a query.
        if (sqlite.open) sqlite.close();
      })();
      return closing;
    },
  };
}

const NO_OP_STATEMENT = {
  reader: false,
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
} as unknown as SqliteDatabase.Statement;

/** A start-up error a person can act on, instead of SQLITE_CANTOPEN and a stack trace. */
function cannotOpen(path: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  const why =
    code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS'
      ? 'the file or its folder cannot be written by this user (check ownership and permissions, or choose another SELFSCAN_DATABASE_URL)'
      : code === 'SQLITE_READONLY'
        ? 'the database is read-only (check the permissions of the file and of its -wal and -shm files)'
        : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
          ? 'the file is not a SQLite database'
          : (err as Error).message;
  return new Error(`cannot open the SQLite database ${resolve(path)}: ${why}`, { cause: err });
}

/** Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing was
 *  the largest part of the server's CPU under load (docs/benchmarks.md). Bounded: queries with
 *  variable-length lists (chunked inserts) make new SQL texts. */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      // SQLite rolls a transaction back by itself after SQLITE_FULL or an I/O error; Kysely's own
      // ROLLBACK then fails ("no transaction is active") and that error replaces the real one.
      if (sql === 'rollback' && !sqlite.inTransaction) return NO_OP_STATEMENT;
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= 256) cache.clear();
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, options: OpenDatabaseOptions): OpenDatabase {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', (err) => options.onPoolError?.(err));
  // A connection checked out between two queries (inside a transaction) that the server ends
  // (a restart: 57P01) emits 'error' on the client itself; unheard, it would crash the process.
  // The query in flight, if any, still fails and is retried or answered 503.
  pool.on('connect', (client) => client.on('error', (err) => options.onPoolError?.(err)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: 'postgres',
    check() {},
    close() {
      closing ??= (async () => {
        await db.destroy();
        if (!pool.ended) await pool.end();
      })();
      return closing;
    },
  };
}
