import { PGlite, types } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable, QueryResult } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';

const parsers = { [types.INT8]: (v: string) => Number(v) };

// PGlite allocates its shared buffers up front (128 MB by default): 32 MB takes about 100 MB off the
// server's resident memory, and the page cache of the host still holds the data files.
const postgresqlconf = ["shared_buffers = '32MB'"];

function wrap(db: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<T>(text: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await db.query<T>(text, params, { parsers });
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(text: string) {
      await db.exec(text);
    },
  };
}

/** Embedded PostgreSQL. `dataDir` undefined means in memory (tests). One process per data directory. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  let release = () => undefined as void;
  let db: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = acquireDataDirLock(dataDir);
    db = new PGlite(join(dataDir, 'pgdata'), { postgresqlconf });
  } else {
    db = new PGlite({ postgresqlconf });
  }
  try {
    await db.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const base = wrap(db);
  const database: Database = {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    tx: (fn) => db.transaction((t) => fn({ ...wrap(t), database })),
    async listen(channel, onMessage) {
      await db.listen(channel, onMessage);
    },
    async backup() {
      await db.exec('CHECKPOINT'); // less WAL to replay after a restore
      // Queries and transactions all hold this lock: the files are copied between two transactions.
      return db._runExclusiveTransaction(() => db.dumpDataDir('gzip'));
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
