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
  /**
   * Nothing of its caller's write follows this statement. In a transaction opened with
   * `commitWithLast` it ends the transaction: on PostgreSQL the COMMIT leaves in the same write (one
   * round trip fewer), and any statement after it is refused. Elsewhere it changes nothing. Code
   * after it must not fail: what was written is committed.
   */
  last?: boolean;
}

export interface TxOptions {
  /**
   * The work is one write, whose statement flagged `last` ends the transaction (QueryOptions.last).
   * Only for work that does nothing after its write (sendWrite without an Idempotency-Key).
   */
  commitWithLast?: boolean;
  /**
   * PostgreSQL's aborting the transaction as a deadlock or a serialization failure (PG.deadlock,
   * PG.serializationFailure: everything was rolled back) runs it again, up to CONFLICT_ATTEMPTS times
   * after a short random pause, instead of failing it (retryConflicts). Only for work that does
   * nothing but SQL on `q` and computes its answer from it: fn runs again from the start, so a
   * counter, a cache, a reply, a stream or any state of the caller that fn changes would be changed
   * twice. PGlite runs one transaction at a time and never aborts one so.
   */
  retryConflicts?: boolean;
}

export const AFTER_LAST = 'A statement came after the one flagged `last`, which ended its transaction.';

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
  /**
   * Runs fn in one transaction: committed when it resolves, rolled back when it throws (or, with
   * `commitWithLast`, at its statement flagged `last`).
   */
  tx<T>(fn: (q: Queryable) => Promise<T>, opts?: TxOptions): Promise<T>;
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
  /** The address of the server a command reached the database through (its socket), once it listens. */
  serverUrl?(): Promise<string | undefined>;
  /** Reached through a running server's socket: that server, not this process, holds the embedded database. */
  readonly throughServer?: boolean;
}

/**
 * Runs fn on `q`, an open transaction that `end(commit)` commits or rolls back: at fn's end, or with
 * `commitWithLast` right after the statement flagged `last` (rolled back if that statement failed),
 * refusing the statements after it. A failed rollback does not hide the error that caused it.
 * (PostgreSQL sends the COMMIT with the statement instead: src/db/postgres.ts.)
 */
export async function runTransaction<T>(
  q: Queryable,
  end: (commit: boolean) => Promise<unknown>,
  fn: (q: Queryable) => Promise<T>,
  opts?: TxOptions,
): Promise<T> {
  let ended = false;
  const open = () => {
    if (ended) throw new Error(AFTER_LAST);
  };
  const tq: Queryable = !opts?.commitWithLast
    ? q
    : {
        ...q,
        async query<R>(text: string, params?: unknown[], o?: QueryOptions) {
          open();
          if (!o?.last) return q.query<R>(text, params, o);
          ended = true;
          let result: QueryResult<R>;
          try {
            result = await q.query<R>(text, params, o);
          } catch (err) {
            await end(false).catch(() => undefined);
            throw err;
          }
          await end(true);
          return result;
        },
        async exec(text: string) {
          open();
          return q.exec(text);
        },
      };
  try {
    const out = await fn(tq);
    if (!ended) {
      ended = true;
      await end(true);
    }
    return out;
  } catch (err) {
    if (!ended) await end(false).catch(() => undefined);
    throw err;
  }
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

/** A transaction PostgreSQL aborted for what another one held or wrote: run again, it may pass. */
export const isConflict = (err: unknown): boolean => {
  const code = pgCode(err);
  return code === PG.deadlock || code === PG.serializationFailure;
};

/** How many times a transaction opened with `retryConflicts` runs at most. */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Runs `attempt` (one whole transaction) again while it fails as a conflict (isConflict), at most
 * `attempts` times in all, after a pause of 5 to 25 ms times the attempts made (random, so the two
 * sides of a deadlock do not meet again); any other error, or the last conflict, is thrown.
 */
export async function retryConflicts<T>(attempt: () => Promise<T>, attempts = CONFLICT_ATTEMPTS): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (err) {
      if (made >= attempts || !isConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, (5 + Math.random() * 20) * made));
    }
  }
}

/** The database `q` runs on: itself, or the one of its transaction (undefined for a bare connection). */
export const databaseOf = (q: Queryable): Database | undefined => q.database ?? ('tx' in q ? (q as Database) : undefined);
