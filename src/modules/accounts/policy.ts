import { definePolicy } from '../../http/policy.js';
import type { WebUser } from '../../web/types.js';

type AccountAction = 'view' | 'create' | 'update' | 'activate';

/** domain.md's accounts row: the admin manages accounts, the managers see them. */
export const accountPolicy = definePolicy<AccountAction>({
  admin: ['view', 'create', 'update', 'activate'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
});

/** A route's `can` for an account action. */
export const canAccounts = (action: AccountAction) => (user: WebUser) => accountPolicy.allows(user.role, action);
