import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

export type CategoryAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's "categories, cities, areas" row (cities/policy.ts uses it for cities and areas). */
export const categoryPolicy = definePolicy<CategoryAction>({
  admin: ['view', 'create', 'update', 'delete'],
  ...grant([...MANAGER_ROLES, 'agent', 'follow-up-agent', 'stock-manager', 'seller'], ['view']),
});
