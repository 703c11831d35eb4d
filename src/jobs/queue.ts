import PgBoss from 'pg-boss';
import { PG, pgCode, type Database, type Queryable } from '../db/database.js';

/** The channel a NOTIFY wakes workers on when a job is enqueued (delivered at commit). */
export const WAKE_CHANNEL = 'codops_jobs';

/** pg-boss's `db` over one of our Queryables: single statements only (sends, fetches, completions in our transactions). */
export function bossOver(q: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => q.query(text, values) };
}

// pg-boss wraps its schema changes and maintenance in `BEGIN; …; COMMIT;` scripts.
const LOCKED_SCRIPT = /^\s*BEGIN;([\s\S]*)COMMIT;\s*$/;

/**
 * pg-boss's `db` over the database. Its `BEGIN; …; COMMIT;` scripts run as one of our transactions,
 * so a failure rolls back instead of leaving a pooled connection (or PGlite's only one) in an
 * aborted transaction; everything else is one statement.
 */
export function bossDb(db: Database): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const script = values?.length ? null : LOCKED_SCRIPT.exec(text);
      if (script) {
        await db.tx((q) => q.exec(script[1]));
        return { rows: [] };
      }
      return db.query(text, values);
    },
  };
}

/** Creates or upgrades pg-boss's schema (under its own advisory lock); part of every migration run. */
export async function installQueue(db: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const boss = new PgBoss({ db: bossDb(db), supervise: false, schedule: false, migrate: true });
    boss.on('error', () => undefined); // start() rejects with the same error
    try {
      await boss.start();
      await boss.stop({ graceful: false, close: false, wait: true });
      return;
    } catch (err) {
      // Two processes installing at once: the second waits on pg-boss's lock, then its connection's
      // catalog cache still says "no schema pgboss" and CREATE SCHEMA IF NOT EXISTS hits the unique
      // index. A new transaction sees the schema the first one committed.
      if (pgCode(err) !== PG.uniqueViolation || attempt === 3) throw err;
    }
  }
}

/** A pg-boss that never connects: it only writes jobs through the Queryable each call is given. */
export const sender = new PgBoss({
  db: { executeSql: () => Promise.reject(new Error('The job sender has no connection of its own.')) },
  supervise: false,
  schedule: false,
  migrate: false,
});

/** pg-boss answers these from complete() and fail(); its type declarations say void. */
export interface BossCommandResult {
  affected: number;
}
