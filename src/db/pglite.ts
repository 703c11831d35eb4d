import { PGlite, parse, protocol, types, type Transaction } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable, QueryOptions, QueryResult } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';

const parsers = { [types.INT8]: (v: string) => Number(v) };

// PGlite allocates its shared buffers up front (128 MB by default): 32 MB takes about 100 MB off the
// server's resident memory, and the page cache of the host still holds the data files.
const postgresqlconf = ["shared_buffers = '32MB'"];

const toResult = <T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> => ({
  rows: r.rows as T[],
  rowCount: r.affectedRows ?? r.rows.length,
});

/**
 * Named statements (`opts.name`) on PGlite's one connection. PGlite's query() has no statement cache:
 * it parses and plans every call, in six trips into the engine (parse, describe, bind, describe,
 * execute, sync). A named statement is parsed once; each call is then one trip (bind, describe,
 * execute, sync) on the plan PostgreSQL caches, as `pg` does with a named query on PostgreSQL.
 */
function namedStatements(db: PGlite) {
  const known = new Map<string, { text: string; paramTypes: number[] }>();
  const run = async <T>(name: string, text: string, params: unknown[], inTx: boolean): Promise<QueryResult<T>> => {
    let s = known.get(name);
    if (!s) {
      const { messages } = await db.execProtocol(
        Buffer.concat([
          protocol.serialize.parse({ name, text }),
          protocol.serialize.describe({ type: 'S', name }),
          protocol.serialize.sync(),
        ]),
        { syncToFs: false },
      );
      s = { text, paramTypes: parse.parseDescribeStatementResults(messages) };
      known.set(name, s);
    } else if (s.text !== text) {
      throw new Error(`The statement name "${name}" is already used by another query.`);
    }
    const types = s.paramTypes;
    // As query() serialises them: by the type PostgreSQL inferred for each parameter.
    const values = params.map((v, i) => (v === null || v === undefined ? null : (db.serializers[types[i]] ?? String)(v)));
    const { messages } = await db.execProtocol(
      Buffer.concat([
        protocol.serialize.bind({ statement: name, values }),
        protocol.serialize.describe({ type: 'P' }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]),
      { syncToFs: !inTx },
    );
    return toResult<T>(parse.parseResults(messages, db.parsers, { parsers })[0]);
  };
  return <T>(name: string, text: string, params: unknown[], inTx: boolean) =>
    // The locks query() takes: outside a transaction, wait for any open one to end.
    inTx
      ? db._runExclusiveQuery(() => run<T>(name, text, params, inTx))
      : db._runExclusiveTransaction(() => db._runExclusiveQuery(() => run<T>(name, text, params, inTx)));
}

function wrap(db: Pick<PGlite | Transaction, 'query' | 'exec'>, named: ReturnType<typeof namedStatements>, inTx: boolean): Queryable {
  return {
    async query<T>(text: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>> {
      if (opts?.name) return named<T>(opts.name, text, params ?? [], inTx);
      return toResult<T>(await db.query<T>(text, params, { parsers }));
    },
    async exec(text: string) {
      await db.exec(text);
    },
  };
}

const blobOf = (file: string | undefined) => (file ? new Blob([readFileSync(file)]) : undefined);

export interface PgliteOptions {
  /** `lock: false` when the caller holds the data directory's lock (pglite-thread.ts). */
  lock?: boolean;
  /** A file: a new database (in memory, or a data directory without one yet) starts as this dumped one (`backup('none')`). */
  template?: string;
  /** The engine's WebAssembly, compiled once per process (pglite-thread.ts). */
  wasmModule?: WebAssembly.Module;
}

/**
 * Embedded PostgreSQL on this thread. `dataDir` undefined means in memory (tests). One process per
 * data directory.
 */
export async function openPglite(dataDir: string | undefined, opts: PgliteOptions = {}): Promise<Database> {
  let release = () => undefined as void;
  let db: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (opts.lock !== false) release = acquireDataDirLock(dataDir);
    const pgdata = join(dataDir, 'pgdata');
    const template = existsSync(join(pgdata, 'PG_VERSION')) ? undefined : opts.template;
    db = new PGlite(pgdata, { postgresqlconf, pgliteWasmModule: opts.wasmModule, loadDataDir: blobOf(template) });
  } else {
    db = new PGlite({ postgresqlconf, pgliteWasmModule: opts.wasmModule, loadDataDir: blobOf(opts.template) });
  }
  try {
    await db.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const named = namedStatements(db);
  const base = wrap(db, named, false);
  const database: Database = {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    tx: (fn) => db.transaction((t) => fn({ ...wrap(t, named, true), database })),
    async listen(channel, onMessage) {
      await db.listen(channel, onMessage);
    },
    async backup(compression = 'gzip') {
      await db.exec('CHECKPOINT'); // less WAL to replay after a restore
      // Queries and transactions all hold this lock: the files are copied between two transactions.
      return db._runExclusiveTransaction(() => db.dumpDataDir(compression));
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
  return database;
}
