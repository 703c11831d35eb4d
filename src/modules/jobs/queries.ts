import type { Queryable } from '../../db/database.js';
import type { JobJson } from '../../jobs/registry.js';
import type { Actor } from '../../core/actor.js';
import { canSeeJob } from './policy.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A job as a page shows it: its JSON, and while it waits for a retry the reason its last attempt
 * failed (kept in `jobs.last_error`; not a field of the spec's JSON).
 */
export type ShownJob = JobJson & { lastFailure?: string };

/**
 * The job and who started it; undefined for an unknown (or malformed) id. A row's error (an
 * import's) is `{row, column, message}`, its column null when it has none (webhooks-files.md).
 */
export async function findJob(
  q: Queryable,
  id: string,
): Promise<{ data: JobJson; userId: string | null; lastFailure?: string } | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await q.query<{ data: JobJson & { result: unknown }; user_id: string | null; retrying: string | null }>(
    `SELECT json_build_object('id', j.id, 'kind', j.kind, 'status', j.status, 'total', j.total, 'done', j.done, 'failed', j.failed,
              'errors', coalesce((SELECT json_agg(CASE WHEN e."row" IS NULL
                                     THEN json_strip_nulls(json_build_object('reference', e.reference, 'column', e."column", 'message', e.message))
                                     ELSE json_build_object('row', e."row", 'column', e."column", 'message', e.message) END ORDER BY e.id)
                                   FROM job_errors e WHERE e.job_id = j.id), '[]'),
              'result', j.result, 'created_at', iso_utc(j.created_at), 'finished_at', iso_utc(j.finished_at)) AS data, j.user_id,
            CASE WHEN j.status = 'queued' THEN j.last_error END AS retrying
       FROM jobs j WHERE j.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.data.result === null) delete row.data.result;
  return { data: row.data, userId: row.user_id, lastFailure: row.retrying ?? undefined };
}

/** A job a page may show beside its result (`?job=`): one the actor may see, else undefined. */
export async function visibleJob(q: Queryable, actor: Actor, id: unknown): Promise<ShownJob | undefined> {
  if (typeof id !== 'string') return undefined;
  const found = await findJob(q, id);
  return found && canSeeJob(actor, found.userId) ? { ...found.data, lastFailure: found.lastFailure } : undefined;
}
