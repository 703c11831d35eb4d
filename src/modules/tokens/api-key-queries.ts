import type { Queryable } from '../../db/database.js';
import type { Scope } from '../../core/scopes.js';
import { isoSeconds } from '../settings/components.js';
import { HOLDER_ACTIVE } from './tokens.js';

export interface ApiKeyRow {
  id: number;
  name: string;
  scopes: Scope[];
  account_id: string;
  account_name: string;
  user_id: string;
  user_name: string;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  /** The key's user and account may use it (the bearer's own check): else it answers 401. */
  holder_active: boolean;
}

export type ApiKeyStatus = 'active' | 'inactive' | 'expired' | 'revoked';
export const API_KEY_STATUSES: readonly ApiKeyStatus[] = ['active', 'inactive', 'expired', 'revoked'];

/** `inactive`: neither revoked nor expired, but its user or account is inactive or gone, so it answers 401. */
export const statusOf = (k: Pick<ApiKeyRow, 'revoked_at' | 'expires_at' | 'holder_active'>, now = Date.now()): ApiKeyStatus =>
  k.revoked_at ? 'revoked' : k.expires_at && new Date(k.expires_at).getTime() <= now ? 'expired' : k.holder_active ? 'active' : 'inactive';

/** A key as JSON clients read it; never its secret or hash. */
export const apiKeyJson = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  account_id: k.account_id,
  user_id: k.user_id,
  status: statusOf(k),
  last_used_at: isoSeconds(k.last_used_at),
  expires_at: isoSeconds(k.expires_at),
  revoked_at: isoSeconds(k.revoked_at),
  created_at: isoSeconds(k.created_at),
});

export const SORTS = {
  name: 'lower(t.name)',
  created_at: 't.created_at',
  last_used_at: 't.last_used_at',
  expires_at: 't.expires_at',
} as const;
export type ApiKeySort = keyof typeof SORTS;

export interface ApiKeyFilter {
  /** The caller's account for sellers; an admin's optional filter. */
  accountId: string | null;
  search: string | null;
  status: ApiKeyStatus | null;
  sort: ApiKeySort;
  direction: 'asc' | 'desc';
  page: number;
  perPage: number;
}

const FROM = 'FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN users u ON u.id = t.user_id';
const SELECT = `SELECT t.id::int AS id, t.name, t.scopes, t.account_id, a.name AS account_name, t.user_id, u.full_name AS user_name,
                       t.last_used_at, t.expires_at, t.revoked_at, t.created_at, ${HOLDER_ACTIVE} AS holder_active
                  ${FROM}`;

export async function listApiKeys(q: Queryable, f: ApiKeyFilter) {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (f.accountId) where.push(`t.account_id = ${p(f.accountId)}`);
  if (f.search) where.push(`t.name ILIKE ${p('%' + f.search.replace(/[\\%_]/g, (c) => '\\' + c) + '%')}`);
  if (f.status === 'revoked') where.push('t.revoked_at IS NOT NULL');
  if (f.status === 'expired') where.push('t.revoked_at IS NULL AND t.expires_at <= now()');
  const live = 't.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())';
  if (f.status === 'active') where.push(`${live} AND ${HOLDER_ACTIVE}`);
  if (f.status === 'inactive') where.push(`${live} AND NOT ${HOLDER_ACTIVE}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const dir = f.direction === 'asc' ? 'ASC' : 'DESC';
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n ${FROM} ${w}`, params);
  const { rows } = await q.query<ApiKeyRow>(
    `${SELECT} ${w} ORDER BY ${SORTS[f.sort]} ${dir} NULLS LAST, t.id ${dir} LIMIT ${p(f.perPage)} OFFSET ${p((f.page - 1) * f.perPage)}`,
    params,
  );
  const total = count.rows[0].n;
  return { rows, meta: { current_page: f.page, per_page: f.perPage, total, last_page: Math.max(1, Math.ceil(total / f.perPage)) } };
}

/** One key, only inside `accountId` when given (a seller's account): another account's key is not found. */
export async function findApiKey(q: Queryable, id: number, accountId: string | null): Promise<ApiKeyRow | undefined> {
  const { rows } = await q.query<ApiKeyRow>(`${SELECT} WHERE t.id = $1 AND ($2::text IS NULL OR t.account_id = $2)`, [id, accountId]);
  return rows[0];
}
