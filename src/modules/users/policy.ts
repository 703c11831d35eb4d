import { definePolicy } from '../../http/policy.js';
import type { WebUser } from '../../web/types.js';
import { MANAGER_ROLES, type Role } from '../../core/roles.js';
import { ACTIVATABLE_ROLES } from './schemas.js';

type UserAction = 'view' | 'create' | 'update' | 'delete' | 'activate' | 'impersonate';

/** domain.md's "users (staff)" row. */
const staffPolicy = definePolicy<UserAction>({
  admin: ['view', 'create', 'update', 'activate', 'impersonate'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
});

/** domain.md's "users (sellers / team members)" row; a seller's rights stop at their own account. */
const sellerPolicy = definePolicy<UserAction>({
  admin: ['view', 'create', 'update', 'activate', 'impersonate'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
  seller: ['view', 'create', 'update', 'delete'],
});

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

export const isManager = (user: WebUser) => MANAGER_ROLES.includes(user.role);

/** May `user` open the list of `role` at all (else 403)? Which rows they see is `visibleUsers`. */
export function mayList(user: WebUser, role: Role): boolean {
  if (!userPolicy(role).allows(user.role, 'view')) return false;
  if (role !== 'seller' && isManager(user)) return TEAM_ROLES[user.role]?.includes(role) ?? false;
  return true;
}

export const mayCreate = (user: WebUser, role: Role) => mayList(user, role) && userPolicy(role).allows(user.role, 'create');

/** An action on one user the caller can already see. */
export function mayAct(user: WebUser, action: UserAction, target: { id: string; role: Role; status?: string }): boolean {
  if (!userPolicy(target.role).allows(user.role, action)) return false;
  switch (action) {
    case 'activate':
      return ACTIVATABLE_ROLES.includes(target.role) && target.id !== user.id;
    case 'delete':
      return target.id !== user.id;
    case 'impersonate':
      return target.id !== user.id && !user.impersonator;
    default:
      return true;
  }
}

/** Any users page at all: the admin, the managers (their team, sellers) and sellers (their team). */
export const mayUseUsers = (user: WebUser) => user.role === 'admin' || user.role === 'seller' || isManager(user);
