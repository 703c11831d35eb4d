import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type AccountAction = 'view' | 'create' | 'update' | 'activate' | 'delete';

/** domain.md's accounts row: the admin manages accounts, the managers see them. */
export const accountPolicy = definePolicy<AccountAction>({
  admin: ['view', 'create', 'update', 'activate', 'delete'],
  ...grant(MANAGER_ROLES, ['view']),
});
