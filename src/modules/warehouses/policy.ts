import { definePolicy } from '../../core/policy.js';

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
