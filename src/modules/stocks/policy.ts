import { definePolicy } from '../../http/policy.js';
import type { Where } from '../../db/where.js';
import type { WebUser } from '../../web/types.js';

/** `move`: increment and decrement; `history`: the stock histories row of domain.md's matrix. */
type StockAction = 'view' | 'create' | 'update' | 'delete' | 'move' | 'history';

/**
 * domain.md's stocks and stock histories rows: the admin does everything, managers look, a stock
 * manager creates, edits and moves the stocks of their warehouses, a seller sees their account's.
 */
export const stockPolicy = definePolicy<StockAction>({
  admin: ['view', 'create', 'update', 'delete', 'move', 'history'],
  'manager-leader': ['view', 'history'],
  manager: ['view', 'history'],
  'call-center-manager': ['view', 'history'],
  'stock-manager': ['view', 'create', 'update', 'move', 'history'],
  seller: ['view', 'history'],
});

/** A route's `can` for a stock action. */
export const canStocks = (action: StockAction) => (user: WebUser) => stockPolicy.allows(user.role, action);

/**
 * Narrows a query over stocks `s` joined to their product `p` to what the user may see: a stock
 * manager their warehouses (users.warehouses_ids_to_manage, read fresh), a seller their account's
 * products; everything else answers as if it did not exist (404).
 */
export function scopeStocks(user: WebUser, w: Where): Where {
  if (user.role === 'stock-manager') {
    w.and(`s.warehouse_id IN (SELECT jsonb_array_elements_text(u.warehouses_ids_to_manage) FROM users u WHERE u.id = ${w.param(user.id)})`);
  } else if (user.role === 'seller') {
    w.and(`p.account_id = ${w.param(user.account_id)}`);
  }
  return w;
}
