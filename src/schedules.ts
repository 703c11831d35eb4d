import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { WorkerLog } from './jobs/worker.js';
import { enqueueScheduledSync } from './modules/shipping/sync.js';

/**
 * Recurring jobs, started beside the workers (the server's or `codops worker`'s): a status sync of
 * the shipping companies every SYNC_INTERVAL_SECONDS (0: only on demand). Several processes may tick:
 * a sync is enqueued only when none is waiting or running.
 */
export function startSchedules(db: Database, config: Pick<Config, 'syncIntervalSeconds'>, log: WorkerLog): { stop(): void } {
  if (config.syncIntervalSeconds === 0) return { stop() {} };
  const timer = setInterval(() => {
    db.tx((q) => enqueueScheduledSync(q)).catch((err: unknown) => log.warn({ err }, 'scheduling a status sync failed'));
  }, config.syncIntervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
