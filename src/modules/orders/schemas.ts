import { Type } from '@sinclair/typebox';
import { sometimesRequired } from '../../http/validation.js';
import { ORDER_STATUSES, TOKEN_ORDER_TARGETS } from './transitions.js';

/** The customer and product fields: what the order form sends, and what only a new order may change. */
export const ORDER_FIELDS = [
  'full_name',
  'phone',
  'email',
  'city',
  'area',
  'address',
  'shipment_way',
  'is_fees_paid_by_customer',
  'total',
  'products',
] as const;

/** How an order travels (`shipment_way`), in the words the dashboard shows. */
export const SHIPMENT_WAYS: [string, string][] = [
  ['1', 'Shipping company'],
  ['2', 'Platform delivery staff'],
  ['3', 'Pickup by the customer'],
];
export const shipmentWay = (n: number) => SHIPMENT_WAYS.find(([v]) => v === String(n))?.[1] ?? String(n);

const text = (min: number, max: number, nullable = false) => Type.String({ minLength: min, maxLength: max, nullable });

const OrderLineInput = Type.Object({
  sku: Type.String({ minLength: 1, maxLength: 100 }),
  quantity: Type.Integer({ minimum: 1, maximum: 999_999 }),
  price: Type.Number({ minimum: 1, maximum: 999_999 }),
});

const orderFields = {
  full_name: text(1, 100),
  phone: text(1, 100),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 255, nullable: true })),
  city: text(1, 100),
  area: Type.Optional(text(1, 100, true)),
  address: text(1, 1000),
  shipment_way: Type.Optional(Type.Integer({ enum: [1, 2, 3] })),
  is_fees_paid_by_customer: Type.Boolean(),
  total: Type.Number({ minimum: 1, maximum: 999_999 }),
  products: Type.Array(OrderLineInput, { minItems: 1, maxItems: 10 }),
};

/** A row of an orders import: the order's fields and one product line, by the rules of POST /orders (see LeadImportRow). */
export const OrderImportRow = Type.Object({
  full_name: orderFields.full_name,
  phone: orderFields.phone,
  city: orderFields.city,
  area: orderFields.area,
  address: orderFields.address,
  is_fees_paid_by_customer: orderFields.is_fees_paid_by_customer,
  total: orderFields.total,
  ...OrderLineInput.properties,
});
export const OrderImportLine = OrderLineInput;
export const ORDER_MAX_LINES = orderFields.products.maxItems!;

/** One order: an item of POST /orders, and the body of a hand-made one. */
export const OrderInput = Type.Object(orderFields);
export const OrderCreateBody = Type.Object({
  orders: Type.Array(OrderInput, { minItems: 1, maxItems: 1000 }),
});

/** The fields required on create may be left out of a patch, not cleared. */
export const OrderPatch = Type.Object({
  full_name: sometimesRequired(orderFields.full_name),
  phone: sometimesRequired(orderFields.phone),
  email: orderFields.email,
  city: sometimesRequired(orderFields.city),
  area: orderFields.area,
  address: sometimesRequired(orderFields.address),
  shipment_way: orderFields.shipment_way,
  is_fees_paid_by_customer: sometimesRequired(orderFields.is_fees_paid_by_customer),
  total: sometimesRequired(orderFields.total),
  products: sometimesRequired(orderFields.products),
  // Through the API an order may only be canceled or renewed; the rest moves via shipping or the dashboard.
  status: Type.Optional(Type.String({ enum: [...TOKEN_ORDER_TARGETS] })),
  comment: Type.Optional(text(1, 1000, true)),
});

export const OrderBulkPatchBody = Type.Object({
  orders: Type.Array(Type.Object({ reference: Type.String({ minLength: 1, maxLength: 100 }), ...OrderPatch.properties }), {
    minItems: 1,
    maxItems: 1000,
  }),
});

const nullableString = Type.Union([Type.String(), Type.Null()]);
export const OrderResource = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  status: Type.String({ enum: [...ORDER_STATUSES] }),
  lead_reference: nullableString,
  full_name: Type.String(),
  phone: Type.String(),
  email: nullableString,
  city: nullableString,
  area: nullableString,
  address: nullableString,
  shipment_way: Type.Integer(),
  is_fees_paid_by_customer: Type.Boolean(),
  total: Type.Number(),
  products: Type.Array(
    Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer(), price: Type.Number(), total: Type.Number() }),
  ),
  shipping_company: nullableString,
  tracking_number: nullableString,
  created_at: Type.String(),
  updated_at: Type.String(),
});
