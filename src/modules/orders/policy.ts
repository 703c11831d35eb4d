import { definePolicy } from '../../http/policy.js';

export type OrderAction = 'view' | 'create' | 'update' | 'delete' | 'export' | 'import';

export const orderPolicy = definePolicy<OrderAction>({
  admin: ['view', 'create', 'update', 'delete', 'export', 'import'],
  'manager-leader': ['view', 'update', 'export'],
  manager: ['view', 'update', 'export'],
  'call-center-manager': ['view', 'update', 'export'],
  agent: ['view'],
  'follow-up-agent': ['view', 'update'],
  'stock-manager': ['view'],
  delivery: ['view', 'update'],
  seller: ['view', 'create', 'update', 'delete', 'export', 'import'],
});
