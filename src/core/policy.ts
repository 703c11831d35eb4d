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

type Table<A extends string> = Partial<Record<Role, readonly A[]>>;

/** The same `actions` for each of `roles`: the matrix's repeated cells (most often, the managers' V). */
export function grant<A extends string>(roles: readonly Role[], actions: readonly A[]): Table<A> {
  return Object.fromEntries(roles.map((role) => [role, actions]));
}

/** A resource's row of the permission matrix (domain.md): the actions each role may take. */
export function definePolicy<A extends string>(table: Table<A>): Policy<A> {
  const authorize = (who: Principal, action: A) => who.role !== null && (table[who.role]?.includes(action) ?? false);
  return { authorize, can: (action) => (who) => authorize(who, action) };
}
