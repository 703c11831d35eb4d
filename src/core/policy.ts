import type { Role } from './roles.js';

/** Whoever a policy is asked about: a dashboard user, an API token's user, the system (role null). */
export interface Principal {
  role: Role | null;
}

export interface Policy<A extends string> {
  /** The one door of a resource: may `who` take `action`? */
  authorize(who: Principal, action: A): boolean;
  /** The same question as a route's check (`config.can` of a page, `config.allows` of an API route). */
  can(action: A): (who: Principal) => boolean;
}

/** A resource's row of the permission matrix (domain.md): the actions each role may take. */
export function definePolicy<A extends string>(table: Partial<Record<Role, readonly A[]>>): Policy<A> {
  const authorize = (who: Principal, action: A) => who.role !== null && (table[who.role]?.includes(action) ?? false);
  return { authorize, can: (action) => (who) => authorize(who, action) };
}
