import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openFileStore } from '../files/open.js';
import type { FileStore } from '../files/store.js';
import { JobWorker, type WorkerLog } from './worker.js';

type WorkerConfig = Pick<Config, 'jobsMaintenanceSeconds' | 'appKey' | 'files' | 's3Url' | 'dataDir'>;

/**
 * Whether this process alone opens the database: the embedded one, opened by this process (the
 * server, or `codops worker` while the server is stopped), which holds DATA_DIR's lock. Not on
 * PostgreSQL, nor through a running server's socket: other processes may be at work there.
 */
export function soleProcess(db: Database): boolean {
  return db.kind === 'pglite' && !db.throughServer;
}

/**
 * The start of a process that alone opens the embedded database (soleProcess): what it finds half
 * done was a dead process's, so the files half-written are removed now (a write in progress would
 * be its own, and it has none yet). Its workers take back the jobs left running (startWorker).
 * Elsewhere it touches nothing.
 */
export async function recoverSoleProcess(db: Database, files: FileStore, log: WorkerLog): Promise<void> {
  if (!soleProcess(db)) return;
  const swept = await files.sweep(new Date());
  if (swept > 0) log.warn({ files: swept }, 'removed files a stopped process left half-written');
}

/**
 * The workers of a process (the server's, or `codops worker`'s): every registered kind, with the file store.
 * In the sole process (recoverSoleProcess) a job found running was a dead process's: taken back at once.
 */
export async function startWorker(db: Database, config: WorkerConfig, slots: number, log: WorkerLog) {
  const files = await openFileStore(config, db);
  const worker = await new JobWorker(db, {
    slots,
    maintenanceSeconds: config.jobsMaintenanceSeconds,
    log,
    appKey: config.appKey,
    files,
    soleProcess: soleProcess(db),
  }).start();
  const stop = worker.stop.bind(worker);
  worker.stop = async () => {
    await stop();
    await files.close();
  };
  return worker;
}
