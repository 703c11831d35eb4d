import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { WorkerLog } from './jobs/worker.js';
import { enqueueScheduledSync } from './modules/shipping/sync.js';
import { WebhookDispatcher } from './modules/webhooks/delivery.js';
import { notifyDisabled } from './modules/webhooks/notify.js';

type ScheduleConfig = Pick<
  Config,
  'syncIntervalSeconds' | 'appKey' | 'webhooksAllowPrivate' | 'mailUrl' | 'mailFrom' | 'dataDir' | 'appUrl'
>;

/**
 * Recurring work, started beside the workers (the server's or `codops worker`'s): a status sync of
 * the shipping companies every SYNC_INTERVAL_SECONDS (0: only on demand; several processes may
 * tick: a sync is enqueued only when none is waiting or running), and the webhook deliveries
 * (modules/webhooks/delivery.ts: every process sending claims its own batches).
 */
export async function startSchedules(db: Database, config: ScheduleConfig, log: WorkerLog): Promise<{ stop(): Promise<void> }> {
  const webhooks = await new WebhookDispatcher(db, {
    appKey: config.appKey,
    allowPrivate: config.webhooksAllowPrivate,
    log,
    onDisabled: (hooks) => notifyDisabled(db, config, log as FastifyBaseLogger, hooks),
  }).start();
  const timer =
    config.syncIntervalSeconds === 0
      ? undefined
      : setInterval(() => {
          db.tx((q) => enqueueScheduledSync(q)).catch((err: unknown) => log.warn({ err }, 'scheduling a status sync failed'));
        }, config.syncIntervalSeconds * 1000);
  timer?.unref();
  return {
    async stop() {
      clearInterval(timer);
      await webhooks.stop();
    },
  };
}
