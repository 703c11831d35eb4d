import type { Role } from '../core/roles.js';

interface Policy<A extends string> {
  allows(role: Role | null, action: A): boolean;
}

/** A resource's row of the permission matrix (domain.md): the actions each role may take. */
export function definePolicy<A extends string>(table: Partial<Record<Role, readonly A[]>>): Policy<A> {
  return {
    allows: (role, action) => role !== null && (table[role]?.includes(action) ?? false),
  };
}
