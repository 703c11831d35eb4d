import { randomUUID } from 'node:crypto';
import { databaseOf, type Queryable } from '../db/database.js';
import { jobKind, leaseSecondsOf } from './registry.js';
import { bossOver, sender, WAKE_CHANNEL } from './queue.js';

interface EnqueueOptions {
  /** Who started it: they (and admins) may read GET /jobs/{id}. Null for the system. */
  userId?: string | null;
  /** Items to process, when known up front (the progress bar starts from it). */
  total?: number;
  /** Do not start before this many seconds. */
  delaySeconds?: number;
}

/**
 * Enqueues a job in the transaction `q` of the change that asks for it: a rollback leaves no job,
 * a commit never loses it. Answers the job's id (its GET /jobs/{id}).
 */
export async function enqueue(q: Queryable, kind: string, payload: object, opts: EnqueueOptions = {}): Promise<string> {
  const def = jobKind(kind);
  if (!def) throw new Error(`Unknown job kind "${kind}": register it with defineJob() first.`);
  const id = randomUUID();
  await q.query('INSERT INTO jobs (id, kind, user_id, total) VALUES ($1, $2, $3, $4)', [id, kind, opts.userId ?? null, opts.total ?? 0]);
  const send = () =>
    sender.send(kind, payload, {
      id,
      db: bossOver(q),
      retryLimit: def.retry.limit,
      retryDelay: def.retry.delaySeconds,
      retryBackoff: true,
      expireInSeconds: leaseSecondsOf(def, databaseOf(q)?.kind),
      ...(opts.delaySeconds ? { startAfter: opts.delaySeconds } : {}),
    });
  let sent = await send();
  if (sent === null) {
    // First job of this kind in this database: pg-boss keeps a queue (a partition) per kind. One
    // creation at a time: two at once (of any kinds: each ALTERs tables referencing pgboss.queue)
    // deadlocked, and the second to wait finds the queue made and creates nothing.
    await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:create-queue', 0))`);
    await q.query('SELECT pgboss.create_queue($1, $2)', [kind, JSON.stringify({ policy: 'standard' })]);
    sent = await send();
  }
  if (sent !== id) throw new Error(`The job queue refused a ${kind} job.`);
  await q.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, kind]);
  return id;
}
