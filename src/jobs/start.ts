import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openFileStore } from '../files/open.js';
import { JobWorker, type WorkerLog } from './worker.js';

type WorkerConfig = Pick<Config, 'jobsMaintenanceSeconds' | 'appKey' | 'files' | 's3Url' | 'dataDir'>;

/** The workers of a process (the server's, or `codops worker`'s): every registered kind, with the file store. */
export async function startWorker(db: Database, config: WorkerConfig, slots: number, log: WorkerLog, soleProcess = false) {
  const files = await openFileStore(config, db);
  const worker = await new JobWorker(db, {
    slots,
    maintenanceSeconds: config.jobsMaintenanceSeconds,
    log,
    appKey: config.appKey,
    files,
    soleProcess,
  }).start();
  const stop = worker.stop.bind(worker);
  worker.stop = async () => {
    await stop();
    await files.close();
  };
  return worker;
}
