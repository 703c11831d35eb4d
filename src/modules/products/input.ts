// Reading a product form or JSON body: shapes, the rules across fields, the database checks, and
// what each role may write (a seller's post is cut down to their four fields before anything else).
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/database.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { accountExists } from '../accounts/service.js';
import { categoryExists } from '../categories/queries.js';
import { SELLER_FIELDS } from './policy.js';
import type { ProductJson } from './queries.js';
import { skuTaken } from './queries.js';
import {
  checkDiscount,
  checkUrl,
  NOT_CLEARABLE,
  productCreate,
  productSellerUpdate,
  productUpdate,
  SKU_TAKEN,
  PRODUCT_FIELDS,
  type ProductField,
  type ProductFields,
} from './schemas.js';

const isForm = (req: FastifyRequest) => /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));

/** An HTML form sends nothing for an unticked box or an empty variants list: on a form, absent means off / none. */
function formDefaults(req: FastifyRequest, body: Record<string, unknown>, keys: readonly string[]) {
  if (!isForm(req)) return;
  for (const k of keys) if (!(k in body)) body[k] = k === 'variants' ? [] : '0';
}

/** Required fields sent empty are refused, not ignored (the API's rule for PATCH). */
function refuseEmptied(body: Record<string, unknown>, input: Record<string, unknown>, bag: ErrorBag, keys: readonly string[]) {
  for (const k of keys) if (k in body && (input[k] === undefined || input[k] === null) && !bag.has(k)) bag.add(k, messages.required(k));
}

async function checkCategory(q: Queryable, id: string | null | undefined, bag: ErrorBag) {
  if (id && !bag.has('category_id') && !(await categoryExists(q, id))) bag.add('category_id', messages.invalid('category_id'));
}

/** A new product (staff name its account): every field, defaults filled in. */
export async function readCreate(q: Queryable, req: FastifyRequest): Promise<{ accountId: string; fields: ProductFields }> {
  const body = formBody(req);
  formDefaults(req, body, ['has_discount', 'free_shipping', 'paid_by_seller', 'variants']);
  const bag = new ErrorBag();
  const input = productCreate.check(body, bag) as Partial<ProductFields> & { account_id?: string };
  if (!input.account_id) {
    if (!bag.has('account_id')) bag.add('account_id', messages.required('account_id'));
  } else if (!bag.has('account_id') && !(await accountExists(q, input.account_id))) bag.add('account_id', messages.invalid('account_id'));
  await checkCategory(q, input.category_id, bag);
  if (input.sku && input.account_id && !bag.has('sku') && !bag.has('account_id') && (await skuTaken(q, input.account_id, input.sku))) {
    bag.add('sku', SKU_TAKEN);
  }
  const fields: ProductFields = {
    name: input.name!,
    description: input.description ?? null,
    sku: input.sku!,
    status: input.status ?? 'active',
    price: input.price!,
    purchase_price: input.purchase_price ?? null,
    category_id: input.category_id ?? null,
    variants: input.variants ?? [],
    weight: input.weight ?? null,
    width: input.width ?? null,
    height: input.height ?? null,
    length: input.length ?? null,
    has_discount: input.has_discount ?? false,
    discount: input.has_discount ? (input.discount ?? null) : null,
    free_shipping: input.free_shipping ?? false,
    paid_by_seller: input.paid_by_seller ?? false,
    landing_page_url: input.landing_page_url ?? null,
    script: input.script ?? null,
  };
  checkDiscount(fields, bag);
  checkUrl(fields.landing_page_url, bag);
  bag.throwIfAny(productCreate.schema);
  return { accountId: input.account_id!, fields };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The changes an update makes to `before`: every field for an admin; for a seller only
 * SELLER_FIELDS, the rest of the post dropped unread (so a forged field changes nothing and
 * reports nothing). Only fields whose value changes are returned.
 */
export async function readUpdate(
  q: Queryable,
  req: FastifyRequest,
  before: ProductJson,
  everything: boolean,
): Promise<Partial<ProductFields>> {
  const raw = formBody(req);
  const bag = new ErrorBag();
  const patch: Partial<Record<ProductField, unknown>> = {};
  if (everything) {
    formDefaults(req, raw, ['has_discount', 'free_shipping', 'paid_by_seller', 'variants']);
    const input = productUpdate.check(raw, bag) as Record<string, unknown>;
    refuseEmptied(raw, input, bag, NOT_CLEARABLE);
    for (const k of PRODUCT_FIELDS) if (k in input && input[k] !== undefined) patch[k] = input[k];
    await checkCategory(q, patch.category_id as string | null | undefined, bag);
    const sku = patch.sku as string | undefined;
    if (sku && sku !== before.sku && !bag.has('sku') && (await skuTaken(q, before.account_id, sku, before.id))) bag.add('sku', SKU_TAKEN);
    const merged = { ...before, ...patch } as unknown as ProductFields;
    checkDiscount(merged, bag);
    if (!merged.has_discount) patch.discount = null; // no discount without has_discount
    checkUrl(patch.landing_page_url as string | null | undefined, bag);
    bag.throwIfAny(productUpdate.schema);
  } else {
    const body: Record<string, unknown> = Object.fromEntries(SELLER_FIELDS.filter((k) => k in raw).map((k) => [k, raw[k]]));
    formDefaults(req, body, ['free_shipping']);
    req.body = body; // the old input refilled after a failure holds nothing forged
    const input = productSellerUpdate.check(body, bag) as Record<string, unknown>;
    refuseEmptied(body, input, bag, ['status', 'free_shipping']);
    for (const k of SELLER_FIELDS) if (k in input && input[k] !== undefined) patch[k] = input[k];
    checkUrl(patch.landing_page_url as string | null | undefined, bag);
    bag.throwIfAny(productSellerUpdate.schema);
  }
  const current = before as unknown as Record<string, unknown>;
  for (const k of Object.keys(patch) as ProductField[]) if (same(patch[k], current[k])) delete patch[k];
  return patch as Partial<ProductFields>;
}
