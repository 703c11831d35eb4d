import { definePolicy } from '../../core/policy.js';

type ShippingCompanyAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's shipping companies row: admins VCUD (X, the export, comes with exports); managers view. */
export const shippingCompanyPolicy = definePolicy<ShippingCompanyAction>({
  admin: ['view', 'create', 'update', 'delete'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
});
