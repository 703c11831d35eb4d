// Job kinds for tests that run real server and worker processes: preloaded into them with
// `node --import ./test/support/job-kinds.ts …` (see JOB_KINDS_IMPORT), and imported by the test.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../../src/db/database.js';
import { defineJob } from '../../src/jobs/registry.js';

export const JOB_KINDS_IMPORT = new URL('./job-kinds.ts', import.meta.url).pathname;

/** Where the test kinds leave their effects: one row per step, with the process that took it. */
export const EFFECTS_TABLE = 'test_process_job_effects';

export async function createEffectsTable(q: Queryable) {
  await q.exec(`CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE} (
    job_id uuid NOT NULL, step integer NOT NULL, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
}

/**
 * `steps` steps of `stepMs` each; a step's effect and its checkpoint commit together, so a run
 * resumed after a crash continues where the last one stopped and every step happens once.
 * Prints `job <id> step <n>` and `job <id> done` on stdout, so a test can watch a process it
 * cannot query (PGlite is one process at a time).
 */
const steps = defineJob<{ steps: number; stepMs: number }>({
  kind: 'test.process.steps',
  retry: { limit: 5, delaySeconds: 1 },
  leaseSeconds: 5,
  // Short on PGlite too, so that its runs renew their lease there as well.
  embeddedLeaseSeconds: 5,
  async handler(ctx) {
    const { steps, stepMs } = ctx.payload;
    let next = (ctx.progress.checkpoint as { next?: number } | null)?.next ?? 0;
    if (ctx.progress.total !== steps) await ctx.report({ total: steps });
    for (; next < steps; next++) {
      ctx.signal.throwIfAborted();
      const step = next;
      await ctx.db.tx(async (q) => {
        await q.query(`INSERT INTO ${EFFECTS_TABLE} (job_id, step, pid) VALUES ($1, $2, $3)`, [ctx.id, step, process.pid]);
        await ctx.report({ done: 1, checkpoint: { next: step + 1 } }, q);
      });
      process.stdout.write(`job ${ctx.id} step ${step}\n`);
      await sleep(stepMs);
    }
    process.stdout.write(`job ${ctx.id} done\n`);
    return { steps };
  },
});

/** The same steps under an import's lease (600 s): a dead run's job waits that long unless taken back at once. */
defineJob<{ steps: number; stepMs: number }>({ ...steps, kind: 'test.process.long-lease', leaseSeconds: 600, embeddedLeaseSeconds: 600 });
