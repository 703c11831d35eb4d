import type { Role } from './roles.js';
import type { Scope } from './scopes.js';

/** Who is acting: every status change records it (user, API token or system). */
export interface Actor {
  kind: 'user' | 'token' | 'system';
  userId: string | null;
  tokenId: number | null;
  /** The history's `changed_by`: the user's name, `API token "<name>"`, or `system`. */
  label: string;
  role: Role | null;
  /** The account the actor works in: the token's account, or a seller's own. */
  accountId: string | null;
  /** The admin behind an impersonated session. */
  impersonatorId: string | null;
}

export const SYSTEM: Actor = {
  kind: 'system',
  userId: null,
  tokenId: null,
  label: 'system',
  role: null,
  accountId: null,
  impersonatorId: null,
};

/** An API token's actor: a token always works in one account, within its scopes. */
export interface TokenActor extends Actor {
  kind: 'token';
  tokenId: number;
  accountId: string;
  scopes: ReadonlySet<Scope>;
}
