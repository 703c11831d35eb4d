import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type WarehouseAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's warehouses row; a stock manager sees only the warehouses they manage. */
export const warehousePolicy = definePolicy<WarehouseAction>({
  admin: ['view', 'create', 'update', 'delete'],
  ...grant(MANAGER_ROLES, ['view']),
  'stock-manager': ['view'],
  seller: ['view'],
});
