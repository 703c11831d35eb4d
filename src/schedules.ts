import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { WorkerLog } from './jobs/worker.js';
import { enqueueScheduledSync } from './modules/shipping/sync.js';
import { enqueueExportCleanup } from './modules/spreadsheets/exports.js';
import { WebhookDispatcher } from './modules/webhooks/delivery.js';

/** How often exports past their 7 days are looked for. */
const EXPORT_CLEANUP_MS = 3_600_000;

type ScheduleConfig = Pick<Config, 'syncIntervalSeconds' | 'appKey' | 'webhooksAllowPrivate'>;

/**
 * Recurring work, started beside the workers (the server's or `codops worker`'s): a status sync of
 * the shipping companies every SYNC_INTERVAL_SECONDS (0: only on demand), every hour the deletion of
 * exports past their 7 days (several processes may tick: a job is enqueued only when none of its kind
 * is waiting or running), and the webhook deliveries (modules/webhooks/delivery.ts: every process
 * sending claims deliveries for its own slots).
 */
export async function startSchedules(db: Database, config: ScheduleConfig, log: WorkerLog): Promise<{ stop(): Promise<void> }> {
  const webhooks = await new WebhookDispatcher(db, {
    appKey: config.appKey,
    allowPrivate: config.webhooksAllowPrivate,
    log,
  }).start();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, tick: () => Promise<unknown>) => {
    const timer = setInterval(() => tick().catch((err: unknown) => log.warn({ err }, `scheduling ${what} failed`)), ms);
    timer.unref();
    timers.push(timer);
  };
  if (config.syncIntervalSeconds > 0)
    every(config.syncIntervalSeconds * 1000, 'a status sync', () => db.tx((q) => enqueueScheduledSync(q)));
  // Exports are deleted after 7 days (webhooks-files.md).
  every(EXPORT_CLEANUP_MS, 'the exports cleanup', () => db.tx((q) => enqueueExportCleanup(q)));
  return {
    async stop() {
      timers.forEach((t) => clearInterval(t));
      await webhooks.stop();
    },
  };
}
