import { definePolicy } from '../../http/policy.js';
import type { WebUser } from '../../web/types.js';
import type { Where } from '../../db/where.js';

type WarehouseAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's warehouses row; a stock manager sees only the warehouses they manage. */
export const warehousePolicy = definePolicy<WarehouseAction>({
  admin: ['view', 'create', 'update', 'delete'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
  'stock-manager': ['view'],
  seller: ['view'],
});

export const canWarehouses = (action: WarehouseAction) => (user: WebUser) => warehousePolicy.allows(user.role, action);

/**
 * Limits `w` to the warehouses `user` may see: a stock manager's `warehouses_ids_to_manage`,
 * everything for the others. `column` is the warehouse id column (`wh.id`, `s.warehouse_id`, …).
 */
export function scopeWarehouses(user: WebUser, w: Where, column = 'wh.id'): Where {
  if (user.role === 'stock-manager') {
    w.and(`${column} IN (SELECT jsonb_array_elements_text(u.warehouses_ids_to_manage) FROM users u WHERE u.id = ${w.param(user.id)})`);
  }
  return w;
}
