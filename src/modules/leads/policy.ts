import { definePolicy } from '../../core/policy.js';

export type LeadAction = 'view' | 'create' | 'update' | 'delete' | 'export' | 'import' | 'reopen';

export const leadPolicy = definePolicy<LeadAction>({
  admin: ['view', 'create', 'update', 'delete', 'export', 'import', 'reopen'],
  'manager-leader': ['view', 'update', 'export'],
  manager: ['view', 'update', 'export'],
  'call-center-manager': ['view', 'update', 'export'],
  agent: ['view', 'update'],
  'follow-up-agent': ['view'],
  seller: ['view', 'create', 'update', 'delete', 'export', 'import'],
});
