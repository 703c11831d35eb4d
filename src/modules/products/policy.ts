import { definePolicy } from '../../http/policy.js';
import type { Where } from '../../db/where.js';
import type { WebUser } from '../../web/types.js';
import { MANAGER_ROLES } from '../../core/roles.js';

type ProductAction = 'view' | 'create' | 'update' | 'delete' | 'assign';

/** domain.md's products row. A seller's `update` covers only SELLER_FIELDS of their own account. */
export const productPolicy = definePolicy<ProductAction>({
  admin: ['view', 'create', 'update', 'delete', 'assign'],
  'manager-leader': ['view'],
  manager: ['view'],
  'call-center-manager': ['view'],
  agent: ['view'],
  'follow-up-agent': ['view'],
  'stock-manager': ['view'],
  'sourcing-agent': ['view'],
  seller: ['view', 'update'],
});

/** A route's `can` for a product action. */
export const canProducts = (action: ProductAction) => (user: WebUser) => productPolicy.allows(user.role, action);

/** The only fields a seller may change, on their own account's products. */
export const SELLER_FIELDS = ['status', 'free_shipping', 'landing_page_url', 'script'] as const;

/** Who edits every field (the rest edit SELLER_FIELDS, if anything). */
export const editsEverything = (user: WebUser) => user.role === 'admin';

/** `purchase_price` is the platform's business: admins and managers only, in pages and JSON. */
export const seesPurchasePrice = (user: WebUser) => user.role === 'admin' || MANAGER_ROLES.includes(user.role);

/** Who sees which agents confirm a product: admins (who assign them) and managers. */
export const seesAgents = (user: WebUser) => user.role === 'admin' || MANAGER_ROLES.includes(user.role);

/** Staff who see every account's products choose an account; sellers and agents do not. */
export const seesAllAccounts = (user: WebUser) => user.role !== 'seller' && user.role !== 'agent';

/**
 * Limits `w` (alias `p`) to the products `user` may see: a seller's own account, an agent's
 * assigned products (users.products_ids_to_confirm); everyone else with `view` sees them all.
 */
export function scopeProducts(user: WebUser, w: Where): Where {
  if (user.role === 'seller') w.and(`p.account_id = ${w.param(user.account_id)}`);
  else if (user.role === 'agent') {
    w.and(`p.id IN (SELECT jsonb_array_elements_text(u.products_ids_to_confirm) FROM users u WHERE u.id = ${w.param(user.id)})`);
  }
  return w;
}
