export const ROLES = [
  'admin',
  'manager-leader',
  'manager',
  'call-center-manager',
  'agent',
  'follow-up-agent',
  'stock-manager',
  'sourcing-agent',
  'delivery',
  'seller',
] as const;
export type Role = (typeof ROLES)[number];

/** URL slugs of /users/{role}. */
export const ROLE_SLUGS: Record<Role, string> = {
  admin: 'admins',
  'manager-leader': 'manager-leaders',
  manager: 'managers',
  'call-center-manager': 'call-center-managers',
  agent: 'agents',
  'follow-up-agent': 'follow-up-agents',
  'stock-manager': 'stock-managers',
  'sourcing-agent': 'sourcing-agents',
  delivery: 'deliveries',
  seller: 'sellers',
};

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
export const MANAGER_ROLES: readonly Role[] = ['manager-leader', 'manager', 'call-center-manager'];
