import type { Database, Queryable } from './database.js';

/**
 * Folds the status-count rows that statements inserted (migration 0011) into one row per account,
 * subject and status; zero sums go. One statement, so readers see the rows before or after, never
 * half; concurrent writers keep inserting meanwhile. Answers how many rows it removed.
 */
export async function foldStatusCounts(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ removed: number }>(
    `WITH keys AS (
       SELECT subject, account_id, status FROM status_counts GROUP BY subject, account_id, status HAVING count(*) > 1 OR sum(n) = 0),
     gone AS (
       DELETE FROM status_counts s USING keys k
        WHERE (s.subject, s.account_id, s.status) = (k.subject, k.account_id, k.status)
        RETURNING s.subject, s.account_id, s.status, s.n),
     kept AS (
       INSERT INTO status_counts (subject, account_id, status, n)
       SELECT subject, account_id, status, sum(n) FROM gone GROUP BY subject, account_id, status HAVING sum(n) <> 0
       RETURNING 1)
     SELECT (SELECT count(*) FROM gone)::int - (SELECT count(*) FROM kept)::int AS removed`,
  );
  return rows[0].removed;
}

export interface TableWork {
  table: string;
  analyze: boolean;
  vacuum: boolean;
}

/**
 * The tables autovacuum would visit now, with its default thresholds: ANALYZE once more than
 * 50 + 10 % of the rows changed since the last one, VACUUM once more than 50 + 20 % are dead.
 */
export async function tablesDue(q: Queryable): Promise<TableWork[]> {
  // Statistics reach pg_stat_* when the backend flushes them, which PGlite does only now and then.
  await q.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await q.query<TableWork>(
    `SELECT format('%I.%I', s.schemaname, s.relname) AS "table",
            n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, c.reltuples) AS analyze,
            n_dead_tup > 50 + 0.2 * greatest(n_live_tup, c.reltuples) AS vacuum
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, c.reltuples)
         OR n_dead_tup > 50 + 0.2 * greatest(n_live_tup, c.reltuples)
      ORDER BY 1`,
  );
  return rows;
}

/**
 * What autovacuum does, for the embedded database, which has none: each table due gets its own
 * statement, so requests queued on PGlite's one connection run between two tables.
 */
export async function vacuumAndAnalyze(q: Queryable): Promise<TableWork[]> {
  const due = await tablesDue(q);
  for (const t of due) {
    const what = t.vacuum && t.analyze ? 'VACUUM (ANALYZE)' : t.vacuum ? 'VACUUM' : 'ANALYZE';
    await q.query(`${what} ${t.table}`);
  }
  return due;
}

export interface MaintenanceLog {
  warn(obj: object, msg: string): void;
}

/**
 * The server's background upkeep, every `everyMs`: status counts folded (both databases) and, on
 * PGlite, the ANALYZE and VACUUM that PostgreSQL's autovacuum runs by itself. One pass at a time;
 * `stop()` waits for the one running.
 */
export function startMaintenance(db: Database, log: MaintenanceLog, everyMs = 10_000) {
  let running: Promise<void> | undefined;
  const pass = async () => {
    try {
      await foldStatusCounts(db);
      if (db.kind === 'pglite') await vacuumAndAnalyze(db);
    } catch (err) {
      log.warn({ err }, 'database maintenance failed');
    }
  };
  const tick = () => {
    if (!running) running = pass().finally(() => (running = undefined));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
