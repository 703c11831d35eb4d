import { definePolicy } from '../../http/policy.js';
import type { WebUser } from '../../web/types.js';

export type CityAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's "categories, cities, areas" row: cities and their areas alike. */
export const cityPolicy = definePolicy<CityAction>({
  admin: ['view', 'create', 'update', 'delete'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
  agent: ['view'],
  'follow-up-agent': ['view'],
  'stock-manager': ['view'],
  seller: ['view'],
});

export const canCities = (action: CityAction) => (user: WebUser) => cityPolicy.allows(user.role, action);
