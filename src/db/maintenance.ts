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
 * 50 + 10 % of the rows changed since the last one, VACUUM once more than 50 + 20 % are dead or
 * 1,000 + 20 % were inserted since the last one (which keeps index-only scans possible). Tables
 * never analysed, or every table with `analyzeAll`, get an ANALYZE too.
 */
export async function tablesDue(q: Queryable, analyzeAll = false): Promise<TableWork[]> {
  const { rows } = await q.query<TableWork>(
    `SELECT "table", "analyze", "vacuum" FROM (
       SELECT format('%I.%I', s.schemaname, s.relname) AS "table",
              s.n_mod_since_analyze > 50 + 0.1 * t.n OR c.reltuples < 0 OR $1 AS "analyze",
              s.n_dead_tup > 50 + 0.2 * t.n OR s.n_ins_since_vacuum > 1000 + 0.2 * t.n AS "vacuum"
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid,
              LATERAL (SELECT greatest(s.n_live_tup, c.reltuples) AS n) t) d
      WHERE "analyze" OR "vacuum"
      ORDER BY 1`,
    [analyzeAll],
  );
  return rows;
}

/**
 * Tables more than a fifth of whose pages (and more than 8) the visibility map does not mark
 * all-visible: index-only scans fetch every row of those pages from the heap (a deep page of a
 * list then reads 10,000 rows instead of 10,000 index entries). `relallvisible` is as of the
 * table's last ANALYZE or VACUUM.
 */
export async function tablesLaggingVisibility(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ table: string }>(
    `SELECT format('%I.%I', s.schemaname, s.relname) AS "table"
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE c.relpages - c.relallvisible > 8 + 0.2 * c.relpages
      ORDER BY 1`,
  );
  return rows.map((r) => r.table);
}

/**
 * What autovacuum does, for the embedded database, which has none (and for a PostgreSQL server
 * whose autovacuum is off): each table due gets its own statement, so requests queued on PGlite's
 * one connection run between two statements. `restarted`: the change counters were lost (PGlite
 * reopened), so every table gets an ANALYZE and, judged by its visibility map instead of the
 * inserts counted since its last VACUUM, a VACUUM where autovacuum's insert threshold would have
 * been crossed.
 */
export async function vacuumAndAnalyze(db: Database, restarted = false): Promise<TableWork[]> {
  // Statistics reach pg_stat_* when a backend flushes them, which PGlite does only now and then.
  if (db.kind === 'pglite') await db.query('SELECT pg_stat_force_next_flush()');
  const q: Queryable = db;
  const due = await tablesDue(q, restarted);
  // Statistics first, for every table: they are what the planner needs; vacuums take longer.
  for (const t of due) if (t.analyze) await q.query(`ANALYZE ${t.table}`);
  if (restarted) {
    for (const table of await tablesLaggingVisibility(q)) {
      const t = due.find((d) => d.table === table);
      if (t) t.vacuum = true;
      else due.push({ table, analyze: false, vacuum: true });
    }
  }
  // Autovacuum never starts parallel workers; a manual VACUUM of a table with several indexes does,
  // up to two more processes beside the requests on a small machine.
  for (const t of due) if (t.vacuum) await q.query(`VACUUM (PARALLEL 0) ${t.table}`);
  return due;
}

export interface MaintenanceLog {
  warn(obj: object, msg: string): void;
}

/**
 * The server's background upkeep, every `everyMs`: status counts folded (both databases) and, on
 * PGlite or a PostgreSQL without autovacuum, the ANALYZE and VACUUM that autovacuum would run.
 * One pass at a time; `stop()` waits for the one running.
 */
export function startMaintenance(db: Database, log: MaintenanceLog, everyMs = 10_000) {
  let running: Promise<void> | undefined;
  let vacuums: Promise<boolean> | undefined;
  // PGlite keeps no change counters across a restart (it does not save them when closed): its
  // first pass analyses every table and vacuums those its visibility map shows written since their
  // last VACUUM, whatever was written before this process opened it.
  let first = db.kind === 'pglite';
  const ours = async () =>
    db.kind === 'pglite' || (await db.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AS on`)).rows[0].on === false;
  const pass = async () => {
    try {
      await foldStatusCounts(db);
      if (await (vacuums ??= ours())) await vacuumAndAnalyze(db, first);
      first = false;
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
