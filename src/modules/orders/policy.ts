import { definePolicy } from '../../core/policy.js';

/**
 * `history`: the order histories row of domain.md's matrix, narrower than `view` (not agents, stock
 * managers). `edit`: the customer and product fields of a new order, the matrix's U for admins,
 * managers, follow-up agents and sellers; couriers' U is their moves in the lifecycle (transitions.ts).
 * `push`: sending a selection of new orders to a shipping company (fulfilment.md). `label`: the
 * shipping labels, the admin's extra in the matrix ("+ push, assign, mark, label, renew").
 */
type OrderAction = 'view' | 'history' | 'create' | 'update' | 'edit' | 'delete' | 'export' | 'import' | 'push' | 'label';

export const orderPolicy = definePolicy<OrderAction>({
  admin: ['view', 'history', 'create', 'update', 'edit', 'delete', 'export', 'import', 'push', 'label'],
  'manager-leader': ['view', 'history', 'update', 'edit', 'export', 'push'],
  manager: ['view', 'history', 'update', 'edit', 'export', 'push'],
  'call-center-manager': ['view', 'history', 'update', 'edit', 'export'],
  agent: ['view'],
  'follow-up-agent': ['view', 'history', 'update', 'edit'],
  'stock-manager': ['view'],
  delivery: ['view', 'history', 'update'],
  seller: ['view', 'history', 'create', 'update', 'edit', 'delete', 'export', 'import'],
});
