import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type ShippingCompanyAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's shipping companies row: admins VCUD (X, the export, comes with exports); managers view. */
export const shippingCompanyPolicy = definePolicy<ShippingCompanyAction>({
  admin: ['view', 'create', 'update', 'delete'],
  ...grant(MANAGER_ROLES, ['view']),
});
