import type { Queryable } from '../../db/database.js';
import { WAITING_FOR_STOCK } from '../stocks/effects.js';
import { currentPushFailure } from './push-failures.js';

export interface PushableOrder {
  id: string;
  reference: string;
  account: string;
  full_name: string;
  city: string;
  total: number;
  created_at: string;
  /** It cannot ship yet: the push reports it without calling the courier. */
  waiting_for_stock: boolean;
  /** Why its last push failed (it stayed new), while nothing has happened to it since. */
  push_failure: { company: string; message: string; failed_at: string } | null;
}

/** The newest new orders of every account (the push page's selection), at most `limit`. */
export async function pushableOrders(q: Queryable, limit = 200): Promise<PushableOrder[]> {
  const { rows } = await q.query<PushableOrder>(
    `SELECT o.id, o.reference, a.name AS account, o.full_name, o.city, o.total::float8 AS total, iso_utc(o.created_at) AS created_at,
            ${WAITING_FOR_STOCK('o')} AS waiting_for_stock,
            (SELECT json_build_object('company', x.company, 'message', x.message, 'failed_at', iso_utc(x.failed_at))
               FROM (${currentPushFailure('o')}) x) AS push_failure
       FROM orders o JOIN accounts a ON a.id = o.account_id
      WHERE o.status = 'new' AND o.deleted_at IS NULL
      ORDER BY o.created_at DESC, o.id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The companies an order can be pushed to: active, with the http adapter. */
export async function pushCompanies(q: Queryable): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; name: string }>(
    `SELECT id, name FROM shipping_companies WHERE status = 'active' AND adapter = 'http' ORDER BY lower(name), id`,
  );
  return rows.map((r) => [r.id, r.name]);
}

/** The company as a push request sees it, or undefined. */
export async function companyForPush(q: Queryable, id: string): Promise<{ name: string; adapter: string; status: string } | undefined> {
  const { rows } = await q.query<{ name: string; adapter: string; status: string }>(
    'SELECT name, adapter, status FROM shipping_companies WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** Of `ids`, the live orders' ids. */
export async function liveOrderIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM orders WHERE id = ANY($1::text[]) AND deleted_at IS NULL', [ids]);
  return new Set(rows.map((r) => r.id));
}
