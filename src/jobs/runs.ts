import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Database, Queryable } from '../db/database.js';
import { JobLostError, type JobKind, type JobProgress } from './registry.js';
import { bossOver, type BossCommandResult } from './queue.js';

/**
 * The lifecycle of one run of a job. Each transition writes the job's record (`jobs`) and its
 * pg-boss row in one transaction; every write after the claim is fenced by the run's token, so a
 * run that lost its job (lease lapsed, job taken over) changes nothing.
 */
export interface Run {
  kind: JobKind;
  id: string;
  payload: unknown;
  token: string;
  attempt: number;
  userId: string | null;
  /** pg-boss's count of retries already used, and the limit: a failure now is final when equal. */
  retryCount: number;
  retryLimit: number;
  progress: { total: number; done: number; failed: number; checkpoint: unknown };
}

const MESSAGE_MAX = 1000;
// The record keeps the result; pg-boss's row needs none (its positional `data` comes before the options).
const NO_OUTPUT = null as unknown as object;
const LAPSED_MESSAGE = 'The worker running this job stopped responding (it crashed or was cut off).';

/** Takes the next due job of `kind`, if any: pg-boss marks it active, the record `running`. */
export async function claimRun(db: Database, boss: PgBoss, kind: JobKind): Promise<Run | null> {
  return db.tx(async (q) => {
    const [job] = await boss.fetch<object>(kind.kind, { db: bossOver(q), includeMetadata: true, batchSize: 1 });
    if (!job) return null;
    const token = randomUUID();
    const { rows } = await q.query<{
      user_id: string | null;
      total: number;
      done: number;
      failed: number;
      checkpoint: unknown;
      attempts: number;
    }>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, run_token = $2, started_at = coalesce(started_at, now())
        WHERE id = $1 RETURNING user_id, total, done, failed, checkpoint, attempts`,
      [job.id, token],
    );
    const r = rows[0];
    if (!r) {
      // A queued job whose record is gone has nobody to report to: drop it.
      await boss.complete(kind.kind, job.id, NO_OUTPUT, { db: bossOver(q) });
      return null;
    }
    return {
      kind,
      id: job.id,
      payload: job.data,
      token,
      attempt: r.attempts,
      userId: r.user_id,
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      progress: { total: r.total, done: r.done, failed: r.failed, checkpoint: r.checkpoint },
    };
  });
}

/** Counters, errors and checkpoint of a run, in one statement (inside the step's transaction when given). */
export async function reportRun(q: Queryable, run: Run, p: JobProgress): Promise<void> {
  const errors = p.errors ?? [];
  const hasCheckpoint = p.checkpoint !== undefined;
  const { rows } = await q.query<{ n: number }>(
    `WITH upd AS (
       UPDATE jobs SET total = coalesce($3, total), done = done + $4, failed = failed + $5,
              checkpoint = CASE WHEN $6::boolean THEN $7::jsonb ELSE checkpoint END
        WHERE id = $1 AND run_token = $2 RETURNING id
     ), err AS (
       INSERT INTO job_errors (job_id, reference, "row", "column", message)
       SELECT upd.id, e.reference, e.line, e.col, e.message
         FROM upd, unnest($8::text[], $9::int[], $10::text[], $11::text[]) AS e (reference, line, col, message)
     )
     SELECT count(*)::int AS n FROM upd`,
    [
      run.id,
      run.token,
      p.total ?? null,
      p.done ?? 0,
      p.failed ?? 0,
      hasCheckpoint,
      hasCheckpoint ? JSON.stringify(p.checkpoint) : null,
      errors.map((e) => e.reference ?? null),
      errors.map((e) => e.row ?? null),
      errors.map((e) => e.column ?? null),
      errors.map((e) => e.message.slice(0, MESSAGE_MAX)),
    ],
  );
  if (rows[0].n !== 1) throw new JobLostError();
}

/** Renews the run's lease; false when the run no longer holds the job. */
export async function renewRun(db: Database, run: Run): Promise<boolean> {
  // pg-boss (10.x) expires an active job at started_on + expire_in: moving started_on is the lease.
  const { rowCount } = await db.query(
    `UPDATE pgboss.job SET started_on = now()
      WHERE name = $1 AND id = $2 AND state = 'active' AND EXISTS (SELECT 1 FROM jobs WHERE id = $2 AND run_token = $3)`,
    [run.kind.kind, run.id, run.token],
  );
  return rowCount === 1;
}

async function fenced(q: Queryable, sql: string, params: unknown[]) {
  const { rowCount } = await q.query(sql, params);
  if (rowCount !== 1) throw new JobLostError();
}

function affected(result: unknown) {
  if ((result as BossCommandResult | undefined)?.affected !== 1) throw new JobLostError();
}

export async function completeRun(db: Database, boss: PgBoss, run: Run, result: unknown): Promise<void> {
  await db.tx(async (q) => {
    await fenced(
      q,
      `UPDATE jobs SET status = 'done', result = $3::jsonb, finished_at = now(), run_token = NULL, last_error = NULL
        WHERE id = $1 AND run_token = $2`,
      [run.id, run.token, result === undefined ? null : JSON.stringify(result)],
    );
    affected(await boss.complete(run.kind.kind, run.id, NO_OUTPUT, { db: bossOver(q) }));
  });
}

/**
 * A failed run: retried after pg-boss's backoff while retries are left, else the job fails with the
 * reason as its last error. `final` fails it at once.
 */
export async function failRun(
  db: Database,
  boss: PgBoss,
  run: Run,
  reason: string,
  final: boolean,
  listed = false,
): Promise<'retry' | 'failed'> {
  const message = reason.slice(0, MESSAGE_MAX) || 'The job failed.';
  const outcome = final || run.retryCount >= run.retryLimit ? 'failed' : 'retry';
  await db.tx(async (q) => {
    await fenced(
      q,
      `UPDATE jobs SET status = $3, last_error = $4, run_token = NULL, finished_at = CASE WHEN $3 = 'failed' THEN now() END,
              result = CASE WHEN $3 = 'failed' AND $5::boolean THEN jsonb_build_object('message', $4::text) ELSE result END
        WHERE id = $1 AND run_token = $2`,
      [run.id, run.token, outcome === 'failed' ? 'failed' : 'queued', message, listed],
    );
    if (outcome === 'failed') {
      if (!listed) await q.query('INSERT INTO job_errors (job_id, message) VALUES ($1, $2)', [run.id, message]);
      // No retry left: pg-boss's fail() then marks it failed instead of scheduling another run.
      await q.query('UPDATE pgboss.job SET retry_limit = retry_count WHERE name = $1 AND id = $2', [run.kind.kind, run.id]);
    }
    affected(await boss.fail(run.kind.kind, run.id, { message }, { db: bossOver(q) }));
  });
  return outcome;
}

/** Hands the job back (the worker is stopping): due at once, and the run does not count as a retry. */
export async function releaseRun(db: Database, run: Run): Promise<void> {
  await db.tx(async (q) => {
    await fenced(q, `UPDATE jobs SET status = 'queued', run_token = NULL WHERE id = $1 AND run_token = $2`, [run.id, run.token]);
    await q.query(
      `UPDATE pgboss.job SET state = 'retry', started_on = NULL, start_after = now() WHERE name = $1 AND id = $2 AND state = 'active'`,
      [run.kind.kind, run.id],
    );
  });
}

/** A job settled by `settleLapsedRuns`: queued again, or failed for good (no retry left). */
export interface LapsedRun {
  id: string;
  kind: string;
  status: 'queued' | 'failed';
  payload: unknown;
}

/**
 * After pg-boss's maintenance expired the jobs of dead workers: their records say `queued` again
 * (or `failed` when no retry is left). The token in the join keeps a run claimed meanwhile untouched.
 */
export async function settleLapsedRuns(db: Database): Promise<LapsedRun[]> {
  const { rows } = await db.query<LapsedRun>(
    `WITH lapsed AS (
       SELECT r.id, r.run_token, pb.state::text AS state, pb.data
         FROM jobs r JOIN pgboss.job pb ON pb.name = r.kind AND pb.id = r.id
        WHERE r.status = 'running' AND pb.state IN ('created', 'retry', 'failed')
     ), moved AS (
       UPDATE jobs r SET status = CASE WHEN l.state = 'failed' THEN 'failed' ELSE 'queued' END,
              finished_at = CASE WHEN l.state = 'failed' THEN now() END, run_token = NULL, last_error = $1
         FROM lapsed l WHERE r.id = l.id AND r.run_token = l.run_token
       RETURNING r.id, r.kind, r.status, l.data
     ), err AS (
       INSERT INTO job_errors (job_id, message) SELECT id, $1 FROM moved WHERE status = 'failed'
     )
     SELECT id, kind, status, data AS payload FROM moved`,
    [LAPSED_MESSAGE],
  );
  return rows;
}
