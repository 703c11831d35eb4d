import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

export const STOCK_STATUSES = ['active', 'inactive'] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

const id = Type.String({ minLength: 1, maxLength: 100 });
const warning = Type.Integer({ minimum: 0, maximum: 999_999 });
const status = Type.String({ enum: [...STOCK_STATUSES] });

/** Quantity starts at 0 and never comes from a form: it moves by increment/decrement and orders only. */
const StockCreate = Type.Object({
  product_id: id,
  warehouse_id: id,
  warning_quantity: Type.Optional(warning),
  status: Type.Optional(status),
});

/** The product and the warehouse can be corrected only while the stock has never moved. */
const StockUpdate = Type.Object({
  product_id: Type.Optional(id),
  warehouse_id: Type.Optional(id),
  warning_quantity: Type.Optional(warning),
  status: Type.Optional(status),
});

/** `PUT /stocks/{id}/increment` and `/decrement`. */
const StockMove = Type.Object({
  quantity: Type.Integer({ minimum: 1, maximum: 999_999 }),
  comment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, nullable: true })),
});

export const stockCreate = compile(StockCreate);
export const stockUpdate = compile(StockUpdate);
export const stockMove = compile(StockMove);
