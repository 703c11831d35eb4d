import { Type } from '@sinclair/typebox';
import { compile, sometimesRequired, twoDecimals } from '../../http/validation.js';
import { LEDGER_KINDS } from './book.js';

/** A fee that has no "unset": left out it keeps its value; sent empty or null it is required (never kept silently). */
const fee = (maximum = 99_999) => sometimesRequired(twoDecimals(Type.Number({ minimum: 0, maximum })));

/** `PATCH /accounts/{id}/fees`: any of the fees; the others keep their value. */
export const feesPatch = compile(
  Type.Object({
    confirmation_fee: fee(),
    fulfilment_fee: fee(),
    delivery_fee: Type.Optional(twoDecimals(Type.Number({ minimum: 0, maximum: 99_999, nullable: true }))),
    return_fee: Type.Optional(twoDecimals(Type.Number({ minimum: 0, maximum: 99_999, nullable: true }))),
    default_delivery_fee: fee(),
    default_return_fee: fee(),
    cod_percent: fee(100),
  }),
);
export type FeesInput = Partial<
  Record<'confirmation_fee' | 'fulfilment_fee' | 'default_delivery_fee' | 'default_return_fee' | 'cod_percent', number> &
    Record<'delivery_fee' | 'return_fee', number | null>
>;

/** An amount as a rule's parameter reads in a message: two decimals, no grouping (`21104.47`). */
export const plainAmount = (n: number) =>
  n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });

/**
 * A debit larger than the available balance: the least the amount may be (`-available`); with
 * nothing available only a credit is taken, in Laravel's `gt` words (0 itself is refused too).
 */
export const adjustmentTooLow = (available: number) =>
  available > 0 ? `The amount field must be at least -${plainAmount(available)}.` : 'The amount field must be greater than 0.00.';

/** `POST /balance-histories/adjust` (admin). */
export const adjustBody = compile(
  Type.Object({
    account_id: Type.String({ minLength: 1, maxLength: 100 }),
    amount: twoDecimals(Type.Number({ minimum: -9_999_999, maximum: 9_999_999 })),
    comment: Type.String({ minLength: 1, maxLength: 1000 }),
  }),
);

/** The ledger list's filters. */
export const ledgerFilters = {
  account_id: Type.String({ maxLength: 100 }),
  kind: Type.String({ enum: [...LEDGER_KINDS] }),
  order_reference: Type.String({ maxLength: 100 }),
  invoice_reference: Type.String({ maxLength: 100 }),
  created_from: Type.String({ format: 'laravel-date' }),
  created_to: Type.String({ format: 'laravel-date' }),
};

/** `GET /balance`'s query: the account a staff member names (an array is `must be a string`, as the ledger list says). */
export const balanceQuery = compile(Type.Object({ account_id: Type.Optional(ledgerFilters.account_id) }));

export const AMOUNT_ZERO = 'The amount field must not be zero.';

/** A number as the decimal text the database stores (two places). */
export const cents = (n: number) => n.toFixed(2);
