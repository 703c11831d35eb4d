import type { Actor } from '../core/actor.js';
import type { WebUser } from './types.js';

/** The history/audit actor of a dashboard user (both people while impersonating). */
export function actorOfUser(user: WebUser): Actor {
  return {
    kind: 'user',
    userId: user.id,
    tokenId: null,
    label: user.full_name,
    role: user.role,
    accountId: user.role === 'seller' ? user.account_id : null,
    impersonatorId: user.impersonator?.id ?? null,
  };
}
