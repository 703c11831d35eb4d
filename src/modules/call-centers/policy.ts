import { definePolicy } from '../../core/policy.js';

type CallCenterAction = 'view' | 'create' | 'update' | 'delete';

/** domain.md's call centers row: admins VCUD; managers V (a call-center-manager their own, queries.ts). */
export const callCenterPolicy = definePolicy<CallCenterAction>({
  admin: ['view', 'create', 'update', 'delete'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
});
