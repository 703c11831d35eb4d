import { definePolicy } from '../../core/policy.js';

type AccountAction = 'view' | 'create' | 'update' | 'activate';

/** domain.md's accounts row: the admin manages accounts, the managers see them. */
export const accountPolicy = definePolicy<AccountAction>({
  admin: ['view', 'create', 'update', 'activate'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
});
