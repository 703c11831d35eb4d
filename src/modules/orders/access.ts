import type { Queryable } from '../../db/database.js';
import type { Role } from '../../core/roles.js';
import type { WebUser } from '../../web/types.js';
import { orderTransitionError } from './lifecycle.js';
import { orderPolicy, type OrderAction } from './policy.js';
import type { OrderRow, OrderScope } from './queries.js';
import { ORDER_STATUSES, type OrderStatus } from './schemas.js';

export const canOrders = (action: OrderAction) => (u: WebUser) => orderPolicy.allows(u.role, action);

/**
 * Who may edit an order's customer and product fields (while it is new): the matrix's U for admins,
 * managers and sellers. Follow-up agents' and couriers' U is their lifecycle actions below.
 */
const EDITORS: readonly Role[] = ['admin', 'manager-leader', 'manager', 'call-center-manager', 'seller'];
export const canEditOrders = (u: WebUser) => EDITORS.includes(u.role);

/**
 * The lifecycle actions each role may take (domain.md): admins all of them (push/ship, cancel,
 * renew, mark delivered/returned); follow-up agents mark and renew; couriers mark their own
 * orders delivered or returned; sellers cancel and renew their own.
 */
const TARGETS: Partial<Record<Role, readonly OrderStatus[]>> = {
  admin: ['shipped', 'delivered', 'returned', 'canceled', 'new'],
  'follow-up-agent': ['delivered', 'returned', 'new'],
  delivery: ['delivered', 'returned'],
  seller: ['canceled', 'new'],
};

export const roleMaySet = (role: Role, to: OrderStatus) => TARGETS[role]?.includes(to) ?? false;

/** The statuses offered on an order's page: what the lifecycle allows from its status and the role may set. */
export function orderStatusOptions(user: WebUser, order: Pick<OrderRow, 'status' | 'delivery_user_id'>): OrderStatus[] {
  if (user.role === 'delivery' && order.delivery_user_id !== user.id) return [];
  return ORDER_STATUSES.filter((to) => roleMaySet(user.role, to) && !orderTransitionError(order.status, to));
}

/** Which orders a dashboard user sees: a seller their account's, a courier theirs, an agent those they confirmed, other staff all. */
export function orderScopeOf(user: WebUser): OrderScope {
  if (user.role === 'seller') return { accountId: user.account_id! };
  if (user.role === 'delivery') return { accountId: null, deliveryUserId: user.id };
  if (user.role === 'agent') return { accountId: null, confirmedBy: user.id };
  return { accountId: null };
}

/** Active delivery people, for the ship form. */
export async function deliveryUsers(q: Queryable): Promise<{ id: string; full_name: string }[]> {
  const { rows } = await q.query<{ id: string; full_name: string }>(
    `SELECT id, full_name FROM users WHERE role = 'delivery' AND status = 'active' AND deleted_at IS NULL ORDER BY lower(full_name), id LIMIT 1000`,
  );
  return rows;
}
