import type { Queryable } from '../../db/database.js';
import type { WebUser } from '../../web/types.js';
import { leadPolicy, type LeadAction } from './policy.js';
import type { LeadScope } from './queries.js';
import type { LeadStatus } from './transitions.js';

/** A dashboard route's policy check from the leads row of the matrix (lead histories share its V column). */
export const canLeads = (action: LeadAction) => (u: WebUser) => leadPolicy.allows(u.role, action);

interface LeadAccess {
  scope: LeadScope;
  /** The statuses an agent may set (`agent_status_handlings`); null: every status the lifecycle allows. */
  handlings: LeadStatus[] | null;
}

/**
 * Which leads a dashboard user sees: a seller their account's; an agent their queue (leads of the
 * products in `products_ids_to_confirm`); admins, managers and follow-up agents every account's.
 * Managers will narrow to their team's queues once teams own queues (for now: all, decisions.md).
 */
export async function leadAccess(q: Queryable, user: WebUser): Promise<LeadAccess> {
  if (user.role === 'seller') return { scope: { accountId: user.account_id! }, handlings: null };
  if (user.role !== 'agent') return { scope: { accountId: null }, handlings: null };
  const { rows } = await q.query<{ products: unknown; handlings: unknown }>(
    'SELECT products_ids_to_confirm AS products, agent_status_handlings AS handlings FROM users WHERE id = $1',
    [user.id],
  );
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const handlings = strings(rows[0]?.handlings) as LeadStatus[];
  return { scope: { accountId: null, productIds: strings(rows[0]?.products) }, handlings: handlings.length > 0 ? handlings : null };
}

/** Staff see every account: the list filter and the create form's account picker. */
export async function accountChoices(q: Queryable): Promise<{ id: string; name: string }[]> {
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM accounts ORDER BY lower(name), id LIMIT 1000');
  return rows;
}

/** The account's active products, for the SKU selects of hand-made leads and orders. */
export async function activeProducts(q: Queryable, accountId: string): Promise<{ sku: string; name: string; price: number }[]> {
  const { rows } = await q.query<{ sku: string; name: string; price: number }>(
    `SELECT sku, name, price::float8 AS price FROM products WHERE account_id = $1 AND status = 'active' ORDER BY sku LIMIT 2000`,
    [accountId],
  );
  return rows;
}

/**
 * Where a hand-made lead or order goes and what it may hold: a seller's own account; for staff the
 * account they picked (`?account_id=`), none yet before they pick one.
 */
export async function handMadeTarget(q: Queryable, user: WebUser, query: unknown) {
  const staff = user.role !== 'seller';
  let accountId = user.account_id ?? undefined;
  let accountName: string | undefined;
  let accounts: { id: string; name: string }[] = [];
  if (staff) {
    accounts = await accountChoices(q);
    const chosen = accounts.find((a) => a.id === (query as { account_id?: string } | undefined)?.account_id);
    accountId = chosen?.id;
    accountName = chosen?.name;
  }
  const products = accountId ? await activeProducts(q, accountId) : [];
  return { staff, accounts, accountId, accountName, products };
}
export type HandMadeTarget = Awaited<ReturnType<typeof handMadeTarget>>;
