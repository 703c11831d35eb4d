import { definePolicy } from '../../core/policy.js';

/** API keys on the dashboard: admins manage any account's, sellers their own account's. */
export const apiKeyPolicy = definePolicy<'manage'>({ admin: ['manage'], seller: ['manage'] });
