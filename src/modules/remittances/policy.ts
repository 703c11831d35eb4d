import { definePolicy } from '../../core/policy.js';

/** Courier cash (finance.md): admins only. */
export const remittancePolicy = definePolicy<'view' | 'create'>({ admin: ['view', 'create'] });
