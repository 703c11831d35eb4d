import { definePolicy } from '../../core/policy.js';
import { ROLES } from '../../core/roles.js';

type NotificationAction = 'view' | 'create' | 'delete';

/**
 * domain.md's notifications row: every role views its own notifications (a user only ever sees
 * the rows addressed to them; queries.ts reads by user); admins also create them (announcements
 * to every active user, a role or listed users) and delete what they sent.
 */
export const notificationPolicy = definePolicy<NotificationAction>({
  ...Object.fromEntries(ROLES.map((r) => [r, ['view'] as const])),
  admin: ['view', 'create', 'delete'],
});
