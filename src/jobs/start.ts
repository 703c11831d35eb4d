import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { JobWorker, type WorkerLog } from './worker.js';

/** The workers of a process (the server's, or `codops worker`'s): every registered kind. */
export async function startWorker(db: Database, config: Pick<Config, 'jobsMaintenanceSeconds' | 'appKey'>, slots: number, log: WorkerLog) {
  return new JobWorker(db, { slots, maintenanceSeconds: config.jobsMaintenanceSeconds, log, appKey: config.appKey }).start();
}
