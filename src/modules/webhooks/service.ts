import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { seal } from '../../lib/seal.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import type { WebhookRow } from './queries.js';
import type { WebhookInput } from './schemas.js';

/** The purpose a webhook's secret is sealed for (lib/seal.ts). */
export const SECRET_PURPOSE = 'webhook-secret';

/** What the audit keeps of an input: never the secret. */
const audited = ({ secret: _, ...rest }: WebhookInput) => rest;

/** A new webhook of `accountId`, its secret sealed with the app key; audited; its id. */
export async function createWebhook(
  q: Queryable,
  user: WebUser,
  appKey: string,
  accountId: string,
  input: Required<Pick<WebhookInput, 'url' | 'secret' | 'eventTypes'>> & WebhookInput,
): Promise<string> {
  const id = newId();
  await q.query(`INSERT INTO webhooks (id, account_id, url, secret_sealed, event_types, custom_headers) VALUES ($1, $2, $3, $4, $5, $6)`, [
    id,
    accountId,
    input.url,
    seal(appKey, input.secret, SECRET_PURPOSE),
    input.eventTypes,
    JSON.stringify(input.customHeaders ?? []),
  ]);
  await audit(q, user, 'webhooks.create', { type: 'webhook', id, accountId }, audited(input));
  return id;
}

/** Writes what `input` gives (no secret: the stored one stays); re-enabling starts the failure count again. */
export async function updateWebhook(q: Queryable, user: WebUser, appKey: string, before: WebhookRow, input: WebhookInput): Promise<void> {
  await q.query(
    `UPDATE webhooks SET url = $2, secret_sealed = coalesce($3, secret_sealed), event_types = $4, custom_headers = $5,
            status = $6, updated_at = now(),
            consecutive_failures = CASE WHEN $6 = 'active' AND status = 'disabled' THEN 0 ELSE consecutive_failures END,
            disabled_at = CASE WHEN $6 = 'disabled' THEN coalesce(disabled_at, now()) END
      WHERE id = $1`,
    [
      before.id,
      input.url ?? before.url,
      input.secret ? seal(appKey, input.secret, SECRET_PURPOSE) : null,
      input.eventTypes ?? before.eventTypes,
      JSON.stringify(input.customHeaders === undefined ? before.customHeaders : (input.customHeaders ?? [])),
      input.status ?? before.status,
    ],
  );
  await audit(q, user, 'webhooks.update', { type: 'webhook', id: before.id, accountId: before.account_id }, audited(input));
}

/** Removes the webhook with its deliveries and their log. */
export async function deleteWebhook(q: Queryable, user: WebUser, before: WebhookRow): Promise<void> {
  await q.query('DELETE FROM webhooks WHERE id = $1', [before.id]);
  await audit(q, user, 'webhooks.delete', { type: 'webhook', id: before.id, accountId: before.account_id }, { url: before.url });
}
