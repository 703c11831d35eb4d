import type { Queryable } from '../../db/database.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import type { WebUser } from '../../web/types.js';
import { contains, Where } from '../../db/where.js';
import type { Actor } from '../../core/actor.js';
import { seesAllAccounts, seesPurchasePrice } from './policy.js';
import type { ProductFields } from './schemas.js';

/** A product as JSON clients read it: dashboard.md's fields plus `id` (`purchase_price` only for those who see it). */
export interface ProductJson extends Omit<ProductFields, 'purchase_price'> {
  id: string;
  account_id: string;
  purchase_price?: number | null;
  image: string | null;
}

/** A product with what its pages show besides its JSON. */
export interface ProductRow {
  data: ProductJson;
  account_name: string;
  category_name: string | null;
  created_at: string;
  updated_at: string;
}

/** The image's URL changes with the file, so browsers may cache each version. */
const IMAGE_URL = `CASE WHEN p.image_path IS NULL THEN NULL ELSE '/products/' || p.id || '/image?v=' || left(md5(p.image_path), 10) END`;

/** The JSON of alias `p`, built by the database; `purchase_price` only when `withPurchase`. */
const productJson = (withPurchase: boolean) => `json_build_object(
  'id', p.id, 'account_id', p.account_id, 'name', p.name, 'description', p.description, 'sku', p.sku, 'status', p.status,
  'price', p.price, ${withPurchase ? `'purchase_price', p.purchase_price, ` : ''}'category_id', p.category_id, 'variants', p.variants,
  'weight', p.weight, 'width', p.width, 'height', p.height, 'length', p.length,
  'has_discount', p.has_discount, 'discount', p.discount, 'image', ${IMAGE_URL},
  'free_shipping', p.free_shipping, 'paid_by_seller', p.paid_by_seller, 'landing_page_url', p.landing_page_url, 'script', p.script)`;

const rowSelect = (user: WebUser) => `${productJson(seesPurchasePrice(user))} AS data, a.name AS account_name, c.name AS category_name,
  iso_utc(p.created_at) AS created_at, iso_utc(p.updated_at) AS updated_at`;
const ROW_FROM = 'FROM products p JOIN accounts a ON a.id = p.account_id LEFT JOIN categories c ON c.id = p.category_id';

const SORTS: Record<string, string> = {
  name: 'lower(p.name)',
  sku: 'p.sku',
  price: 'p.price',
  status: 'p.status',
  created_at: 'p.created_at',
};
export const PRODUCT_SORTS = Object.keys(SORTS);

interface ProductFilters {
  account_id?: string;
  category_id?: string;
}

/** One page of the products `user` may see: search by name or SKU, status, account and category. */
export async function listProducts(q: Queryable, user: WebUser, p: ListParams & ProductFilters) {
  const w = scopeProducts(user, new Where().and('p.deleted_at IS NULL'));
  if (p.search) {
    const like = w.param(contains(p.search));
    w.and(`(p.name ILIKE ${like} OR p.sku ILIKE ${like})`);
  }
  if (p.status) w.and(`p.status = ${w.param(p.status)}`);
  if (p.account_id && seesAllAccounts(user)) w.and(`p.account_id = ${w.param(p.account_id)}`);
  if (p.category_id) w.and(`p.category_id = ${w.param(p.category_id)}`);
  return sortedPage<ProductRow>(q, {
    select: rowSelect(user),
    from: ROW_FROM,
    where: w,
    sorts: SORTS,
    defaultSort: 'created_at',
    key: 'p.id',
    list: p,
  });
}

/** A product `user` may see, or undefined (another account's, unassigned or deleted: 404). */
export async function findProduct(q: Queryable, user: WebUser, id: string): Promise<ProductRow | undefined> {
  const w = scopeProducts(user, new Where());
  w.and(`p.id = ${w.param(id)}`).and('p.deleted_at IS NULL');
  const { rows } = await q.query<ProductRow>(`SELECT ${rowSelect(user)} ${ROW_FROM} ${w}`, w.params);
  return rows[0];
}

/** The stored image's path of a product `user` may see. */
export async function productImagePath(q: Queryable, user: WebUser, id: string): Promise<string | null | undefined> {
  const w = scopeProducts(user, new Where());
  w.and(`p.id = ${w.param(id)}`).and('p.deleted_at IS NULL');
  const { rows } = await q.query<{ image_path: string | null }>(`SELECT p.image_path FROM products p ${w}`, w.params);
  return rows[0]?.image_path;
}

/** Is `sku` used by another live product of the account? */
export async function skuTaken(q: Queryable, accountId: string, sku: string, exceptId?: string): Promise<boolean> {
  const { rows } = await q.query(
    'SELECT 1 FROM products WHERE account_id = $1 AND sku = $2 AND deleted_at IS NULL AND ($3::text IS NULL OR id <> $3)',
    [accountId, sku, exceptId ?? null],
  );
  return rows.length > 0;
}

export interface AgentChoice {
  id: string;
  full_name: string;
  email: string;
  status: string;
  assigned: boolean;
}

/** Every agent, and whether the product is in their `products_ids_to_confirm`. */
export async function agentChoices(q: Queryable, productId: string): Promise<AgentChoice[]> {
  const { rows } = await q.query<AgentChoice>(
    `SELECT id, full_name, email, status, products_ids_to_confirm @> jsonb_build_array($1::text) AS assigned
       FROM users WHERE role = 'agent' AND deleted_at IS NULL ORDER BY lower(full_name), id`,
    [productId],
  );
  return rows;
}

/**
 * Limits `w` (alias `p`) to the products `actor` may see: a seller's own account, an agent's
 * assigned products (users.products_ids_to_confirm); everyone else with `view` sees them all.
 */
export function scopeProducts(actor: Actor, w: Where): Where {
  if (actor.role === 'seller') w.and(`p.account_id = ${w.param(actor.accountId)}`);
  else if (actor.role === 'agent') {
    w.and(`p.id IN (SELECT jsonb_array_elements_text(u.products_ids_to_confirm) FROM users u WHERE u.id = ${w.param(actor.userId)})`);
  }
  return w;
}
