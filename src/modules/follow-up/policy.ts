import { definePolicy } from '../../core/policy.js';

/**
 * The follow-up queue (fulfilment.md): follow-up agents work it (view, renew a returned order), and
 * admins, who also set `follow_up_days`.
 */
export const followUpPolicy = definePolicy<'view' | 'renew' | 'settings'>({
  admin: ['view', 'renew', 'settings'],
  'follow-up-agent': ['view', 'renew'],
});
