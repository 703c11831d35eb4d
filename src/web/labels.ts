import type { Role } from '../core/roles.js';

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  'manager-leader': 'Manager Leader',
  manager: 'Manager',
  'call-center-manager': 'Call Center Manager',
  agent: 'Agent',
  'follow-up-agent': 'Follow-Up Agent',
  'stock-manager': 'Stock Manager',
  'sourcing-agent': 'Sourcing Agent',
  delivery: 'Delivery',
  seller: 'Seller',
};

/** Plural headings of /users/{slug}. */
export const ROLE_PLURALS: Record<Role, string> = {
  admin: 'Admins',
  'manager-leader': 'Manager Leaders',
  manager: 'Managers',
  'call-center-manager': 'Call Center Managers',
  agent: 'Agents',
  'follow-up-agent': 'Follow-Up Agents',
  'stock-manager': 'Stock Managers',
  'sourcing-agent': 'Sourcing Agents',
  delivery: 'Deliveries',
  seller: 'Sellers',
};
