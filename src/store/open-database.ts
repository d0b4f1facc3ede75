// SELFSCAN_DATABASE_URL → a Kysely instance over better-sqlite3 or pg.
//   sqlite:./data/selfscan.db  sqlite:/var/lib/selfscan/db  (folder created if missing)
//   sqlite::memory:            (tests; gone on close)
//   postgres://… | postgresql://…  (a pg Pool; libpq-style query parameters such as
//                               ?options=-c%20search_path%3Dmy_schema pass through to pg)
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './db-schema.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
}

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
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
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
    throw err;
  }
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: 'sqlite',
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

/** Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing was
 *  the largest part of the server's CPU under load (docs/benchmarks.md). Bounded: queries with
 *  variable-length lists (chunked inserts) make new SQL texts. */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: 'postgres',
    close() {
      closing ??= (async () => {
        await db.destroy();
        if (!pool.ended) await pool.end();
      })();
      return closing;
    },
  };
}
