import { definePolicy, grant } from '../../core/policy.js';
import type { Actor } from '../../core/actor.js';
import { MANAGER_ROLES, type Role } from '../../core/roles.js';
import { ACTIVATABLE_ROLES } from './schemas.js';

type UserAction = 'view' | 'create' | 'update' | 'delete' | 'activate' | 'impersonate';

/** domain.md's "users (staff)" row. */
const STAFF_ROW = {
  admin: ['view', 'create', 'update', 'activate', 'impersonate'],
  ...grant(MANAGER_ROLES, ['view']),
} as const;
const staffPolicy = definePolicy<UserAction>(STAFF_ROW);

/** domain.md's "users (sellers / team members)" row: the staff row, and a seller within their own account. */
const sellerPolicy = definePolicy<UserAction>({ ...STAFF_ROW, seller: ['view', 'create', 'update', 'delete'] });

export const userPolicy = (role: Role) => (role === 'seller' ? sellerPolicy : staffPolicy);

/**
 * The staff lists a manager sees: the people assigned to them through `manager_id` (a manager
 * leader also sees the agents of their managers).
 */
export const TEAM_ROLES: Partial<Record<Role, readonly Role[]>> = {
  'manager-leader': ['manager', 'call-center-manager', 'agent', 'follow-up-agent'],
  manager: ['agent', 'follow-up-agent'],
  'call-center-manager': ['agent', 'follow-up-agent'],
};

export const isManager = (actor: Pick<Actor, 'role'>) => actor.role !== null && MANAGER_ROLES.includes(actor.role);

/** May `user` open the list of `role` at all (else 403)? Which rows they see is `visibleUsers`. */
export function mayList(actor: Actor, role: Role): boolean {
  if (!userPolicy(role).authorize(actor, 'view')) return false;
  if (role !== 'seller' && isManager(actor)) return TEAM_ROLES[actor.role!]?.includes(role) ?? false;
  return true;
}

export const mayCreate = (actor: Actor, role: Role) => mayList(actor, role) && userPolicy(role).authorize(actor, 'create');

/** An action on one user the caller can already see. */
export function mayAct(actor: Actor, action: UserAction, target: { id: string; role: Role; status?: string }): boolean {
  if (!userPolicy(target.role).authorize(actor, action)) return false;
  // While logged in as someone, the admin behind them is "oneself" too: no locking oneself out that way.
  const oneself = target.id === actor.userId || target.id === actor.impersonatorId;
  switch (action) {
    case 'activate':
      return ACTIVATABLE_ROLES.includes(target.role) && !oneself;
    case 'delete':
      return !oneself;
    case 'impersonate':
      return target.id !== actor.userId && actor.impersonatorId === null;
    default:
      return true;
  }
}

/** Any users page at all: the admin, the managers (their team, sellers) and sellers (their team). */
export const mayUseUsers = (actor: Actor) => actor.role === 'admin' || actor.role === 'seller' || isManager(actor);
