import type { Queryable } from '../../db/database.js';
import { notify } from '../notifications/service.js';

/**
 * Tells the owners of webhooks just disabled (the account's active sellers), in the transaction
 * that disables them, with a link to the webhook's page (its failures, and the switch back on).
 */
export async function notifyDisabled(
  q: Queryable,
  hooks: { id: string; account_id: string; url: string }[],
  failures: number,
): Promise<void> {
  if (hooks.length === 0) return;
  const { rows } = await q.query<{ user_id: string; account_id: string; id: string; url: string }>(
    `SELECT u.id AS user_id, h.account_id, h.id, h.url
       FROM unnest($1::text[], $2::text[], $3::text[]) AS h(id, account_id, url)
       JOIN users u ON u.account_id = h.account_id AND u.role = 'seller' AND u.status = 'active' AND u.deleted_at IS NULL
      ORDER BY h.id, u.id`,
    [hooks.map((h) => h.id), hooks.map((h) => h.account_id), hooks.map((h) => h.url)],
  );
  await notify(
    q,
    rows.map((r) => ({
      userId: r.user_id,
      accountId: r.account_id,
      kind: 'webhook.disabled',
      title: 'A webhook was disabled',
      message: `Your webhook to ${r.url} failed ${failures} times in a row: codops sends it nothing more until you switch it on again.`,
      link: `/settings/webhooks/${r.id}/show`,
    })),
  );
}
