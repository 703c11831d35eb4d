import { definePolicy, grant } from '../../core/policy.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type CallCenterAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's call centers row: admins VCUD; managers V (a call-center-manager their own, queries.ts). */
export const callCenterPolicy = definePolicy<CallCenterAction>({
  admin: ['view', 'create', 'update', 'delete'],
  ...grant(MANAGER_ROLES, ['view']),
});
