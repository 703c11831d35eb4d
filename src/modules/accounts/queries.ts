import type { Queryable } from '../../db/database.js';
import { Where } from '../../db/where.js';
import { contains } from '../../db/where.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import type { AccountStatus } from './schemas.js';

export interface AccountJson {
  id: string;
  name: string;
  status: AccountStatus;
  created_at: string;
  updated_at: string;
}

/** The JSON representation of an account, built by the database from alias `a`. */
const ACCOUNT_JSON = `json_build_object('id', a.id, 'name', a.name, 'status', a.status,
  'created_at', iso_utc(a.created_at), 'updated_at', iso_utc(a.updated_at))`;

const SORTS: Record<string, string> = { name: 'lower(a.name)', created_at: 'a.created_at' };
export const ACCOUNT_SORTS = Object.keys(SORTS);

export async function listAccounts(q: Queryable, p: ListParams) {
  const w = new Where().and('a.deleted_at IS NULL');
  if (p.search) w.and(`a.name ILIKE ${w.param(contains(p.search))}`);
  if (p.status) w.and(`a.status = ${w.param(p.status)}`);
  return sortedPage<{ data: AccountJson; sellers: number }>(q, {
    select: `${ACCOUNT_JSON} AS data,
      (SELECT count(*) FROM users u WHERE u.account_id = a.id AND u.deleted_at IS NULL)::int AS sellers`,
    from: 'FROM accounts a',
    where: w,
    sorts: SORTS,
    defaultSort: 'created_at',
    key: 'a.id',
    list: p,
  });
}

export async function findAccount(q: Queryable, id: string): Promise<AccountJson | undefined> {
  const { rows } = await q.query<{ data: AccountJson }>(
    `SELECT ${ACCOUNT_JSON} AS data FROM accounts a WHERE a.id = $1 AND a.deleted_at IS NULL`,
    [id],
  );
  return rows[0]?.data;
}

/** What an account holds, for its page. */
export async function accountFigures(q: Queryable, id: string) {
  const { rows } = await q.query<{ sellers: number; products: number; leads: number; orders: number }>(
    `SELECT (SELECT count(*) FROM users WHERE account_id = $1 AND deleted_at IS NULL)::int AS sellers,
            (SELECT count(*) FROM products WHERE account_id = $1)::int AS products,
            (SELECT count(*) FROM leads WHERE account_id = $1 AND deleted_at IS NULL)::int AS leads,
            (SELECT count(*) FROM orders WHERE account_id = $1 AND deleted_at IS NULL)::int AS orders`,
    [id],
  );
  return rows[0];
}

/** The account's seller users (team), oldest first. */
export async function accountSellers(q: Queryable, id: string, limit = 50) {
  const { rows } = await q.query<{ id: string; full_name: string; email: string; status: string; created_at: string }>(
    `SELECT id, full_name, email, status, iso_utc(created_at) AS created_at FROM users
      WHERE account_id = $1 AND deleted_at IS NULL ORDER BY created_at, id LIMIT $2`,
    [id, limit],
  );
  return rows;
}

export interface AccountChoice {
  id: string;
  name: string;
  status: AccountStatus;
}

/**
 * The accounts a picker or a filter offers (deleted ones never), by name: the first 1,000, and
 * `selected` among them wherever it sorts.
 */
export async function accountChoices(q: Queryable, selected: string | null = null): Promise<AccountChoice[]> {
  const { rows } = await q.query<AccountChoice>(
    `SELECT * FROM (SELECT id, name, status FROM accounts WHERE deleted_at IS NULL
                     ORDER BY (id = $1) DESC NULLS LAST, lower(name), id LIMIT 1000) c
      ORDER BY lower(name), id`,
    [selected],
  );
  return rows;
}

/** [id, label] of accountChoices for a select: an inactive account says so. */
export async function accountOptions(q: Queryable, selected: string | null = null): Promise<[string, string][]> {
  return (await accountChoices(q, selected)).map((a) => [a.id, a.status === 'active' ? a.name : `${a.name} (inactive)`]);
}
