import type { Queryable } from '../../db/database.js';
import { fetchPage, sortedPage } from '../../db/paging.js';
import { contains, Where } from '../../db/where.js';
import type { ListParams } from '../../web/list-query.js';

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
  /** The lead's, order's or invoice's reference and its status in the event, so a row can be told apart. */
  reference: string | null;
  status: string | null;
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

const SORTS: Record<string, string> = { url: 'w.url', status: 'w.status', created_at: 'w.created_at' };
export const WEBHOOK_SORTS = Object.keys(SORTS);

export interface WebhookFilters extends ListParams {
  event?: string;
  account_id?: string;
}

/**
 * One page of the webhooks of `accountId` (null: every account's, for admins, who may name one with
 * `account_id`): search by URL (admins: and account name), status and event filters. An account
 * holds a handful, so the sorts read its rows.
 */
export function listWebhooks(q: Queryable, accountId: string | null, f: WebhookFilters) {
  const w = new Where();
  const account = accountId ?? f.account_id;
  if (account) w.and(`w.account_id = ${w.param(account)}`);
  if (f.search) {
    const like = w.param(contains(f.search));
    w.and(accountId ? `w.url ILIKE ${like}` : `(w.url ILIKE ${like} OR a.name ILIKE ${like})`);
  }
  if (f.status) w.and(`w.status = ${w.param(f.status)}`);
  if (f.event) w.and(`${w.param(f.event)} = ANY(w.event_types)`);
  return sortedPage<WebhookRow>(q, {
    select: COLUMNS,
    from: 'FROM webhooks w JOIN accounts a ON a.id = w.account_id',
    where: w,
    sorts: SORTS,
    defaultSort: 'created_at',
    key: 'w.id',
    list: f,
  });
}

/** A log row as the page shows it: the attempt and whether the retry it set is still the one scheduled. */
export interface AttemptRow extends AttemptJson {
  /**
   * The delivery is pending and waits for the retry this attempt set: not once it ran, nor after a
   * resend that succeeded, nor while the webhook is disabled (its deliveries are held, not sent).
   */
  retry_scheduled: boolean;
}

/** A page of the webhook's delivery log, newest first, with the dashboard lists' `meta`. */
export function webhookLog(q: Queryable, webhookId: string, page: { page: number; per_page: number }) {
  const w = new Where();
  w.and(`t.webhook_id = ${w.param(webhookId)}`);
  return fetchPage<AttemptRow>(q, {
    select: `t.delivery_id, d.event_id, e.type AS event, e.data->>'reference' AS reference, e.data->>'status' AS status, t.attempt, t.http_status,
             t.duration_ms, t.response, t.error, iso_utc(t.next_retry_at) AS next_retry_at, iso_utc(t.created_at) AS created_at,
             coalesce(h.status = 'active' AND d.state = 'pending' AND d.next_attempt_at = t.next_retry_at, false) AS retry_scheduled`,
    from: `FROM webhook_attempts t JOIN webhook_deliveries d ON d.id = t.delivery_id JOIN webhook_events e ON e.id = d.event_id
           JOIN webhooks h ON h.id = d.webhook_id`,
    where: w,
    orderBy: 't.id DESC',
    page: page.page,
    perPage: page.per_page,
  });
}

/** A log row in the JSON shape (webhooks-files.md): the attempt as it was written. */
export const attemptJson = ({ retry_scheduled: _, ...row }: AttemptRow): AttemptJson => row;

/** Deliveries of the webhook still waiting for a retry (shown with the log). */
export async function pendingCount(q: Queryable, webhookId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending'`,
    [webhookId],
  );
  return rows[0].n;
}
