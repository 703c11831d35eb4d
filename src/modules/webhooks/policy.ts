import { definePolicy } from '../../core/policy.js';

/** domain.md's "settings: API keys, webhooks, integrations" row: admins any account's, sellers their own's. */
export const webhookPolicy = definePolicy<'manage'>({ admin: ['manage'], seller: ['manage'] });
