import { definePolicy } from '../../http/policy.js';

/** `history`: the order histories row of domain.md's matrix, narrower than `view` (not agents, stock managers). */
export type OrderAction = 'view' | 'history' | 'create' | 'update' | 'delete' | 'export' | 'import';

export const orderPolicy = definePolicy<OrderAction>({
  admin: ['view', 'history', 'create', 'update', 'delete', 'export', 'import'],
  'manager-leader': ['view', 'history', 'update', 'export'],
  manager: ['view', 'history', 'update', 'export'],
  'call-center-manager': ['view', 'history', 'update', 'export'],
  agent: ['view'],
  'follow-up-agent': ['view', 'history', 'update'],
  'stock-manager': ['view'],
  delivery: ['view', 'history', 'update'],
  seller: ['view', 'history', 'create', 'update', 'delete', 'export', 'import'],
});
