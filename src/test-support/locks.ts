import type { Queryable } from '../db/database.js';
import { until } from './until.js';

/** The backend pid of `q`'s connection (PostgreSQL): the session a lock test holds a lock in. */
export async function backendPid(q: Queryable): Promise<number> {
  return (await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

/**
 * Whether `request` came to wait for an advisory lock that session `pid` holds (PostgreSQL): true as
 * soon as it waits, false if it ended first without waiting (what a test of a missing lock sees).
 */
export async function waitsForAdvisoryLockOf(db: Queryable, pid: number, request: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void request.then(
    () => (ended = true),
    () => (ended = true),
  );
  return until('a request to wait for the lock or end', async () => {
    const { rows } = await db.query(
      `SELECT 1 FROM pg_locks w JOIN pg_locks h ON h.locktype = 'advisory' AND h.classid = w.classid AND h.objid = w.objid
        WHERE w.locktype = 'advisory' AND NOT w.granted AND h.granted AND h.pid = $1`,
      [pid],
    );
    return rows.length > 0 ? 'waits' : ended ? 'ended' : false;
  }).then((v) => v === 'waits');
}
