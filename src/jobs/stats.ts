import type { Queryable } from '../db/database.js';

interface KindStats {
  /** Waiting to run (retries included). */
  queued: number;
  /** Of the queued, those waiting for a retry after a failure. */
  retrying: number;
  running: number;
  /** Jobs that failed for good in the last 24 hours (any process). */
  failedLastDay: number;
  /** Runs this process finished since it started: done, failed and retried later, failed for good. */
  processed: { done: number; retry: number; failed: number };
}

type Outcome = keyof KindStats['processed'];
const counters = new Map<string, KindStats['processed']>();

export function countRun(kind: string, outcome: Outcome) {
  let c = counters.get(kind);
  if (!c) counters.set(kind, (c = { done: 0, retry: 0, failed: 0 }));
  c[outcome]++;
}

/** Queue depth and failures per job kind (for metrics): two small queries. */
export async function jobStats(q: Queryable): Promise<Record<string, KindStats>> {
  const [depth, failures] = await Promise.all([
    q.query<{ kind: string; queued: number; retrying: number; running: number }>(
      `SELECT name AS kind, count(*) FILTER (WHERE state < 'active')::int AS queued,
              count(*) FILTER (WHERE state = 'retry')::int AS retrying, count(*) FILTER (WHERE state = 'active')::int AS running
         FROM pgboss.job WHERE state <= 'active' GROUP BY name`,
    ),
    q.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM jobs WHERE status = 'failed' AND finished_at > now() - interval '24 hours' GROUP BY kind`,
    ),
  ]);
  const out: Record<string, KindStats> = {};
  const of = (kind: string) =>
    (out[kind] ??= {
      queued: 0,
      retrying: 0,
      running: 0,
      failedLastDay: 0,
      processed: { ...(counters.get(kind) ?? { done: 0, retry: 0, failed: 0 }) },
    });
  for (const r of depth.rows) Object.assign(of(r.kind), { queued: r.queued, retrying: r.retrying, running: r.running });
  for (const r of failures.rows) of(r.kind).failedLastDay = r.n;
  for (const kind of counters.keys()) of(kind);
  return out;
}
