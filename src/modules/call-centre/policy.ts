import { definePolicy } from '../../core/policy.js';

export type CallCentreAction = 'settings' | 'queue' | 'screen' | 'supervise' | 'assign' | 'statistics';

/**
 * The call centre (call-centre.md, domain.md): admins set it up, agents work the queue, managers
 * watch their agents (a call-center-manager only their call centres', queries.ts agentScope).
 */
export const callCentrePolicy = definePolicy<CallCentreAction>({
  admin: ['settings', 'screen', 'supervise', 'assign', 'statistics'],
  'manager-leader': ['screen', 'supervise', 'assign', 'statistics'],
  manager: ['screen', 'supervise', 'assign', 'statistics'],
  'call-center-manager': ['screen', 'supervise', 'assign', 'statistics'],
  agent: ['queue', 'screen', 'statistics'],
});
