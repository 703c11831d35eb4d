import { answerUniqueViolation } from '../../http/errors.js';
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { compile, messages, twoDecimals, type ErrorBag } from '../../http/validation.js';

export const PRODUCT_STATUSES = ['active', 'inactive'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export const VARIANT_TYPES = ['colors', 'sizes'] as const;
export const MAX_VARIANTS = 50;

export interface Variant {
  type: (typeof VARIANT_TYPES)[number];
  name: string;
}

/** Every field of dashboard.md a product form writes (the image has its own upload). */
export interface ProductFields {
  name: string;
  description: string | null;
  sku: string;
  status: ProductStatus;
  price: number;
  purchase_price: number | null;
  category_id: string | null;
  variants: Variant[];
  weight: number | null;
  width: number | null;
  height: number | null;
  length: number | null;
  has_discount: boolean;
  discount: number | null;
  free_shipping: boolean;
  paid_by_seller: boolean;
  landing_page_url: string | null;
  script: string | null;
}
export type ProductField = keyof ProductFields;

/** Every field, in form order; also the products columns a write may name (never input). */
export const PRODUCT_FIELDS: readonly ProductField[] = [
  'name',
  'description',
  'sku',
  'status',
  'price',
  'purchase_price',
  'category_id',
  'variants',
  'weight',
  'width',
  'height',
  'length',
  'has_discount',
  'discount',
  'free_shipping',
  'paid_by_seller',
  'landing_page_url',
  'script',
];

const money = (nullable = false) => twoDecimals(Type.Number({ minimum: 1, maximum: 99_999, nullable }));
const size = () => twoDecimals(Type.Number({ minimum: 1, maximum: 9_999, nullable: true }));
const text = (min: number, max: number, nullable = false) => Type.String({ minLength: min, maxLength: max, nullable });

/** Shapes and ranges; the rules that read other fields or the database are in `checkRules`. */
const shapes = {
  account_id: Type.String({ maxLength: 100 }),
  name: text(1, 60),
  description: text(1, 10_000, true),
  sku: text(1, 100),
  status: Type.String({ enum: [...PRODUCT_STATUSES] }),
  price: money(),
  purchase_price: money(true),
  category_id: Type.String({ maxLength: 100, nullable: true }),
  variants: Type.Array(Type.Object({ type: Type.String({ enum: [...VARIANT_TYPES] }), name: text(1, 100) }), { maxItems: MAX_VARIANTS }),
  weight: size(),
  width: size(),
  height: size(),
  length: size(),
  has_discount: Type.Boolean(),
  discount: money(true),
  free_shipping: Type.Boolean(),
  paid_by_seller: Type.Boolean(),
  landing_page_url: text(1, 2_048, true),
  script: text(1, 10_000, true),
};
type Shape = typeof shapes;

const optional = <K extends keyof Shape>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, Type.Optional(shapes[k])])) as unknown as TProperties;
const ALL = Object.keys(shapes) as (keyof Shape)[];
const REQUIRED_ON_CREATE = ['name', 'sku', 'price'] as const;

const obj = (props: TProperties): TObject => Type.Object(props);

/** Create: name, sku and price required; `account_id` too for staff (checked with the database). */
export const productCreate = compile(obj({ ...optional(ALL), ...Object.fromEntries(REQUIRED_ON_CREATE.map((k) => [k, shapes[k]])) }));
/** Update by an admin: any field; an emptied required one is refused (see `refuseEmptied`). */
export const productUpdate = compile(obj(optional(ALL.filter((k) => k !== 'account_id'))));
/** Update by a seller: their four fields; anything else sent is ignored. */
export const productSellerUpdate = compile(obj(optional(['status', 'free_shipping', 'landing_page_url', 'script'])));

/** Fields that cannot be cleared once set (the others are nullable). */
export const NOT_CLEARABLE = ['name', 'sku', 'status', 'price', 'has_discount', 'free_shipping', 'paid_by_seller'] as const;

export const SKU_TAKEN = 'The sku has already been taken.';
answerUniqueViolation('products_account_sku', 'sku', SKU_TAKEN);
const discountTooHigh = (price: number) => `The discount field must be less than ${price}.`;
const URL_INVALID = 'The landing page url field must be a valid URL.';

const isUrl = (s: string) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
};

/** `discount` is required with `has_discount` and less than `price`. */
export function checkDiscount(p: Pick<ProductFields, 'has_discount' | 'discount' | 'price'>, bag: ErrorBag) {
  if (!p.has_discount || bag.has('discount') || bag.has('has_discount')) return;
  if (p.discount === null || p.discount === undefined) bag.add('discount', messages.requiredIf('discount', 'has_discount', 'true'));
  else if (!bag.has('price') && p.discount >= p.price) bag.add('discount', discountTooHigh(p.price));
}

/** A landing page is a web address (http or https). */
export function checkUrl(url: string | null | undefined, bag: ErrorBag) {
  if (url && !bag.has('landing_page_url') && !isUrl(url)) bag.add('landing_page_url', URL_INVALID);
}
