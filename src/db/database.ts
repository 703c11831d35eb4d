export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Names a hot query of fixed text: it is parsed once per connection instead of on every call, and
   * PostgreSQL may keep its plan (src/db/pglite.ts does the same on PGlite). One name, one text; never
   * for text built from values.
   */
  name?: string;
}

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** The database a transaction runs on (per-database caches key on it); undefined on the database itself. */
  readonly database?: Database;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls onMessage for every NOTIFY on channel, from any process sharing the database, and once with
   * an empty payload after the listening connection was lost and opened again (NOTIFYs sent meanwhile
   * are lost: the empty payload means anything may have changed).
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
  /** Connections of the pool (PostgreSQL; the embedded database has one connection and no pool). */
  pool?(): { max: number; total: number; idle: number; waiting: number };
  /**
   * A consistent copy of the embedded database's files (a tar, gzipped unless `'none'`), taken while
   * no transaction is open.
   */
  backup?(compression?: 'gzip' | 'none'): Promise<Blob>;
}

/** PostgreSQL error codes we act on. */
export const PG = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlock: '40P01',
} as const;

export function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The database `q` runs on: itself, or the one of its transaction (undefined for a bare connection). */
export const databaseOf = (q: Queryable): Database | undefined => q.database ?? ('tx' in q ? (q as Database) : undefined);
