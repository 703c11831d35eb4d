import { pino } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import '../job-kinds.js';
import { openFileStore } from '../files/open.js';
import { recoverSoleProcess, startWorker } from '../jobs/start.js';
import { startSchedules } from '../schedules.js';
import { watchListeners } from '../modules/events/listening.js';

/** `codops worker`: runs jobs until SIGTERM or SIGINT, then stops gracefully. */
export async function runWorker(db: Database, config: Config, slots: number): Promise<void> {
  const log = pino({ level: config.logLevel });
  // Its jobs change orders (sync, push): the same outbox cache as the server's. Through a running
  // server's socket this refuses (that server runs the jobs), before anything is touched.
  await watchListeners(db);
  // On the embedded database with the server stopped, this process holds DATA_DIR as the server would.
  const files = await openFileStore(config, db);
  await recoverSoleProcess(db, files, log).finally(() => files.close());
  const worker = await startWorker(db, config, slots, log);
  const schedules = await startSchedules(db, config, log);
  process.stdout.write(`Worker started (pid ${process.pid}, ${slots} slot${slots === 1 ? '' : 's'}).\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'worker stopping: finishing or handing back the jobs in hand');
  await schedules.stop();
  await worker.stop();
  process.stdout.write('Worker stopped.\n');
}
