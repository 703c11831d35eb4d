import { definePolicy, grant } from '../../core/policy.js';
import type { Actor } from '../../core/actor.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type ProductAction = 'view' | 'create' | 'update' | 'delete' | 'assign';

/** domain.md's products row. A seller's `update` covers only SELLER_FIELDS of their own account. */
export const productPolicy = definePolicy<ProductAction>({
  admin: ['view', 'create', 'update', 'delete', 'assign'],
  ...grant([...MANAGER_ROLES, 'agent', 'follow-up-agent', 'stock-manager', 'sourcing-agent'], ['view']),
  seller: ['view', 'update'],
});

/** The only fields a seller may change, on their own account's products. */
export const SELLER_FIELDS = ['status', 'free_shipping', 'landing_page_url', 'script'] as const;

/** Who edits every field (the rest edit SELLER_FIELDS, if anything). */
export const editsEverything = (actor: Actor) => actor.role === 'admin';

/** `purchase_price` is the platform's business: admins and managers only, in pages and JSON. */
export const seesPurchasePrice = (actor: Actor) => actor.role === 'admin' || (actor.role !== null && MANAGER_ROLES.includes(actor.role));

/** Who sees which agents confirm a product: admins (who assign them) and managers. */
export const seesAgents = (actor: Actor) => actor.role === 'admin' || (actor.role !== null && MANAGER_ROLES.includes(actor.role));

/** Staff who see every account's products choose an account; sellers and agents do not. */
export const seesAllAccounts = (actor: Actor) => actor.role !== 'seller' && actor.role !== 'agent';
