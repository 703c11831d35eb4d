import type { Actor } from '../core/actor.js';
import type { Role } from '../core/roles.js';
import type { WebUser } from './types.js';

/** The Actor fields of a dashboard user (both people while impersonating). */
export function actorFields(
  user: Pick<WebUser, 'id' | 'role' | 'account_id' | 'full_name'>,
  impersonator: WebUser['impersonator'],
): Omit<Actor, 'kind' | 'role'> & { kind: 'user'; role: Role } {
  return {
    kind: 'user',
    userId: user.id,
    tokenId: null,
    label: user.full_name,
    role: user.role,
    accountId: user.role === 'seller' ? user.account_id : null,
    impersonatorId: impersonator?.id ?? null,
  };
}

/** The history/audit actor of a dashboard user. */
export const actorOfUser = (user: WebUser): Actor => actorFields(user, user.impersonator);
