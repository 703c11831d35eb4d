import type { Queryable } from '../../db/database.js';

/** A webhook as the settings routes answer it (webhooks-files.md); never its secret. */
export interface WebhookJson {
  id: string;
  url: string;
  eventTypes: string[];
  customHeaders: { key: string; value: string }[];
  status: 'active' | 'disabled';
  created_at: string;
}

export interface WebhookRow extends WebhookJson {
  account_id: string;
  account_name: string;
  consecutive_failures: number;
}

/** One request of the delivery log, newest first. */
export interface AttemptJson {
  delivery_id: string;
  event_id: string;
  event: string;
  attempt: number;
  http_status: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
  next_retry_at: string | null;
  created_at: string;
}

const COLUMNS = `w.id, w.url, w.event_types AS "eventTypes", w.custom_headers AS "customHeaders", w.status,
  iso_utc(w.created_at) AS created_at, w.account_id, a.name AS account_name, w.consecutive_failures`;

export const webhookJson = ({ id, url, eventTypes, customHeaders, status, created_at }: WebhookRow): WebhookJson => ({
  id,
  url,
  eventTypes,
  customHeaders,
  status,
  created_at,
});

/** The webhook `id` if `accountId` (null: any account, for admins) owns it. */
export async function findWebhook(q: Queryable, id: string, accountId: string | null): Promise<WebhookRow | undefined> {
  if (id.length > 100) return undefined;
  const { rows } = await q.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks w JOIN accounts a ON a.id = w.account_id WHERE w.id = $1 AND ($2::text IS NULL OR w.account_id = $2)`,
    [id, accountId],
  );
  return rows[0];
}

/** The webhooks of `accountId` (null: every account's), newest first. */
export async function listWebhooks(q: Queryable, accountId: string | null): Promise<WebhookRow[]> {
  const { rows } = await q.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks w JOIN accounts a ON a.id = w.account_id
      WHERE $1::text IS NULL OR w.account_id = $1 ORDER BY w.created_at DESC, w.id DESC LIMIT 500`,
    [accountId],
  );
  return rows;
}

export const LOG_PAGE = 50;

/** A page of the webhook's delivery log, newest first. */
export async function webhookLog(q: Queryable, webhookId: string, page = 1): Promise<{ rows: AttemptJson[]; more: boolean }> {
  const { rows } = await q.query<AttemptJson>(
    `SELECT t.delivery_id, d.event_id, e.type AS event, t.attempt, t.http_status, t.duration_ms, t.response, t.error,
            iso_utc(t.next_retry_at) AS next_retry_at, iso_utc(t.created_at) AS created_at
       FROM webhook_attempts t JOIN webhook_deliveries d ON d.id = t.delivery_id JOIN webhook_events e ON e.id = d.event_id
      WHERE t.webhook_id = $1
      ORDER BY t.id DESC LIMIT $2 OFFSET $3`,
    [webhookId, LOG_PAGE + 1, (page - 1) * LOG_PAGE],
  );
  return { rows: rows.slice(0, LOG_PAGE), more: rows.length > LOG_PAGE };
}

/** Deliveries of the webhook still waiting for a retry (shown with the log). */
export async function pendingCount(q: Queryable, webhookId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending'`,
    [webhookId],
  );
  return rows[0].n;
}
