import type { Role } from '../../core/roles.js';
import type { WebUser } from '../../web/types.js';
import { orderPolicy, type OrderAction } from './policy.js';
import type { OrderScope } from './queries.js';

export const canOrders = (action: OrderAction) => (u: WebUser) => orderPolicy.allows(u.role, action);

/**
 * Who may edit an order's customer and product fields (while it is new): the matrix's U for admins,
 * managers and sellers. Follow-up agents' and couriers' U is their moves in the lifecycle (transitions.ts).
 */
const EDITORS: readonly Role[] = ['admin', 'manager-leader', 'manager', 'call-center-manager', 'seller'];
export const canEditOrders = (u: WebUser) => EDITORS.includes(u.role);

/** Which orders a dashboard user sees: a seller their account's, a courier theirs, an agent those they confirmed, other staff all. */
export function orderScopeOf(user: WebUser): OrderScope {
  if (user.role === 'seller') return { accountId: user.account_id! };
  if (user.role === 'delivery') return { accountId: null, deliveryUserId: user.id };
  if (user.role === 'agent') return { accountId: null, confirmedBy: user.id };
  return { accountId: null };
}
