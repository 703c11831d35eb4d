import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import { sendMail } from '../../lib/mailer.js';
import { DISABLE_AFTER } from './delivery.js';

/**
 * Tells the owners of webhooks just disabled (the account's active sellers) by mail, with a link to
 * the webhook's page where they can see the failures and switch it on again.
 */
export async function notifyDisabled(
  db: Database,
  config: Pick<Config, 'mailUrl' | 'mailFrom' | 'dataDir' | 'appUrl'>,
  log: FastifyBaseLogger,
  hooks: { id: string; account_id: string; url: string }[],
): Promise<void> {
  for (const hook of hooks) {
    const { rows } = await db.query<{ email: string }>(
      `SELECT email FROM users WHERE account_id = $1 AND role = 'seller' AND status = 'active' ORDER BY created_at`,
      [hook.account_id],
    );
    const link = `${config.appUrl.replace(/\/$/, '')}/settings/webhooks/${hook.id}/show`;
    for (const { email } of rows)
      await sendMail(config, log, {
        to: email,
        subject: 'A codops webhook was disabled',
        text: `Your webhook to ${hook.url} failed ${DISABLE_AFTER} times in a row and was disabled: codops sends it nothing more until you switch it on again.\n\nSee its delivery log: ${link}\n`,
        link,
      }).catch((err: unknown) => log.warn({ err, webhook: hook.id }, 'telling the owner of a disabled webhook failed'));
  }
}
