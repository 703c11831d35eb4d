import { Type } from '@sinclair/typebox';
import { answerUniqueViolation } from '../../http/errors.js';
import { compile } from '../../http/validation.js';

/** The most orders one remittance records. */
export const MAX_ORDERS = 5000;
/** A CSV line's most amount, as payouts' and adjustments' cap: MAX_ORDERS of them sum within numeric(14,2). */
export const MAX_LINE_AMOUNT = 9_999_999;

export const remittanceBody = compile(
  Type.Object({
    shipping_company_id: Type.Optional(Type.String({ maxLength: 100, nullable: true })),
    delivery_user_id: Type.Optional(Type.String({ maxLength: 100, nullable: true })),
    order_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_ORDERS, nullable: true })),
    /** The CSV's text (`reference,amount` lines), as a JSON client sends it; a form uploads `file`. */
    csv: Type.Optional(Type.String({ maxLength: 1_000_000, nullable: true })),
    received_at: Type.String({ format: 'laravel-date' }),
    comment: Type.Optional(Type.String({ maxLength: 1000, nullable: true })),
    /** Record although amounts differ from what codops expects (after seeing the report). */
    confirm: Type.Optional(Type.Boolean()),
  }),
);

export const MAX_CSV_BYTES = 1024 * 1024;
export const ONE_COURIER = 'Give either a shipping company or a delivery person.';
export const ORDERS_OR_CSV = 'Select the orders or upload a CSV of reference,amount lines.';
export const REMITTED_MEANWHILE = 'One of these orders was remitted meanwhile; reload and try again.';
// What the courier's lock in recordRemittance leaves (another process's writer of an older version, say).
answerUniqueViolation('remittance_orders_pkey', 'order_ids', REMITTED_MEANWHILE);
