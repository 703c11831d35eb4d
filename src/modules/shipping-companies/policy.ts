import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type ShippingCompanyAction = 'view' | 'create' | 'update' | 'delete' | 'export';

/** domain.md's shipping companies row: admins VCUDX (X, the export: POST /shipping-companies/export); managers view. */
export const shippingCompanyPolicy = definePolicy<ShippingCompanyAction>({
  admin: ['view', 'create', 'update', 'delete', 'export'],
  ...grant(MANAGER_ROLES, ['view']),
});
