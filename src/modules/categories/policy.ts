import { definePolicy } from '../../core/policy.js';

export type CategoryAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's "categories, cities, areas" row (cities/policy.ts uses it for cities and areas). */
export const categoryPolicy = definePolicy<CategoryAction>({
  admin: ['view', 'create', 'update', 'delete'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
  agent: ['view'],
  'follow-up-agent': ['view'],
  'stock-manager': ['view'],
  seller: ['view'],
});
