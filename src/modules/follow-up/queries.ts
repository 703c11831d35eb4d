import type { Queryable } from '../../db/database.js';
import { Where } from '../../db/where.js';
import { recordSearch } from '../records/record-list.js';

export interface FollowUpRow {
  id: string;
  reference: string;
  account_name: string;
  status: 'shipped' | 'returned';
  full_name: string;
  phone: string;
  city: string;
  total: number;
  tracking_number: string | null;
  /** When it was shipped (shipped orders) or came back (returned). */
  since: string;
  days: number;
  last_event: { status: string; at: string; note: string | null } | null;
}

/** The deployment's follow-up setting: orders shipped for more than this many days are called. */
export async function followUpDays(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ d: number }>('SELECT follow_up_days AS d FROM fulfilment_settings');
  return rows[0]?.d ?? 5;
}

export async function setFollowUpDays(q: Queryable, days: number): Promise<void> {
  await q.query('UPDATE fulfilment_settings SET follow_up_days = $1, updated_at = now()', [days]);
}

/**
 * One tier of the queue, oldest first: `shipped` orders that left more than `days` days ago (by
 * their history's last move to shipped), or `returned` orders that may be renewed; each with the
 * courier's last event (status sync), for a shipped order one of its parcel now (stored since it
 * left: a renewed order's earlier parcel told of another attempt). Answers the page's rows and the tier's total.
 */
export async function followUpQueue(
  q: Queryable,
  tier: 'shipped' | 'returned',
  days: number,
  paging: { page: number; per_page: number },
  accountId: string | null = null,
  search: string | null = null,
): Promise<{ rows: FollowUpRow[]; total: number }> {
  const { page, per_page: perPage } = paging;
  const w = new Where();
  for (const v of [tier, days, (page - 1) * perPage, accountId, perPage]) w.param(v);
  // The lists' search box: a reference, a phone number or part of the customer's name.
  const searched = search ? ` AND ${recordSearch(w, 'o', search)}` : '';
  const where = `o.status = $1 AND o.deleted_at IS NULL AND ($1 = 'returned' OR m.at < now() - make_interval(days => $2::int))
    AND ($4::text IS NULL OR o.account_id = $4)${searched}`;
  const from = `FROM orders o
    CROSS JOIN LATERAL (SELECT max(h.created_at) AS at FROM order_histories h WHERE h.order_id = o.id AND h.new_status = $1 AND h.old_status IS DISTINCT FROM h.new_status) m`;
  const [list, count] = await Promise.all([
    q.query<FollowUpRow>(
      `SELECT o.id, o.reference, a.name AS account_name, o.status, o.full_name, o.phone, o.city, o.total::float8 AS total,
              o.tracking_number, iso_utc(m.at) AS since, floor(extract(epoch FROM now() - m.at) / 86400)::int AS days,
              (SELECT json_build_object('status', e.status, 'at', iso_utc(e.at), 'note', e.note)
                 FROM order_events e
                WHERE e.order_id = o.id AND ($1 = 'returned' OR e.created_at >= m.at)
                ORDER BY e.at DESC, e.id DESC LIMIT 1) AS last_event
         ${from} JOIN accounts a ON a.id = o.account_id
        WHERE ${where}
        ORDER BY m.at, o.id LIMIT $5 OFFSET $3`,
      w.params,
    ),
    q.query<{ n: number }>(`SELECT count(*)::int AS n ${from} WHERE ${where} AND $3::int IS NOT NULL AND $5::int IS NOT NULL`, w.params),
  ]);
  return { rows: list.rows.map((r) => ({ ...r, total: Number(r.total) })), total: count.rows[0].n };
}
