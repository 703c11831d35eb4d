import { definePolicy } from '../../core/policy.js';
import { ROLES } from '../../core/roles.js';

/**
 * domain.md's notifications row: every role views its own notifications (a user only ever sees
 * the rows addressed to them; queries.ts reads by user). Admins' C and D are not built yet.
 */
export const notificationPolicy = definePolicy<'view'>(Object.fromEntries(ROLES.map((r) => [r, ['view'] as const])));
