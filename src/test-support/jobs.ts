import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../db/database.js';
import type { JobJson } from '../jobs/registry.js';
import { findJob } from '../modules/jobs/queries.js';

/** The job once it is done or failed (a worker must be running); throws after `ms`. */
export async function jobFinished(db: Queryable, id: string, ms = 90_000): Promise<JobJson> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const job = (await findJob(db, id))?.data;
    if (job?.status === 'done' || job?.status === 'failed') return job;
  }
  throw new Error(`job ${id} did not finish within ${ms} ms`);
}
