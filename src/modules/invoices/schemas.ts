import { Type } from '@sinclair/typebox';
import { alphaNumAscii, compile, twoDecimals } from '../../http/validation.js';
import { plainAmount } from '../ledger/schemas.js';

export const PAYMENT_METHODS = ['bank_transfer', 'paypal'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
/** How a method is named to people (pages, the PDF statement). */
export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = { bank_transfer: 'Bank transfer', paypal: 'PayPal' };
export const INVOICE_STATUSES = ['pending', 'paid', 'canceled'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * The payout lifecycle (finance.md): pending → paid | canceled; paid → pending (un-paid) | canceled.
 * Canceling a paid payout is an admin's (finance.md: "seller (own, `pending` only), admin").
 */
export const INVOICE_MOVES: Record<InvoiceStatus, readonly InvoiceStatus[]> = {
  pending: ['paid', 'canceled'],
  paid: ['pending', 'canceled'],
  canceled: [],
};

/** Whether a user of this role may move a payout from one status to another. */
export const mayMoveInvoice = (role: string, from: InvoiceStatus, to: InvoiceStatus) =>
  INVOICE_MOVES[from].includes(to) && (role !== 'seller' || from === 'pending');

export const payoutRequest = compile(
  Type.Object({
    amount: twoDecimals(Type.Number({ minimum: 1, maximum: 9_999_999 })),
    payment_method: Type.String({ enum: [...PAYMENT_METHODS] }),
    comment: Type.Optional(Type.String({ maxLength: 1000, nullable: true })),
  }),
);

export const paidBody = compile(Type.Object({ comment: Type.Optional(Type.String({ maxLength: 1000, nullable: true })) }));
export const commentBody = paidBody;

export const deleteBody = compile(
  Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 500 }) }),
);

export const bankAccountBody = compile(
  Type.Object({
    bank_name: Type.String({ minLength: 1, maxLength: 100 }),
    account_holder: Type.String({ minLength: 1, maxLength: 100 }),
    iban: alphaNumAscii(Type.String({ minLength: 1, maxLength: 34 })),
  }),
);
/** An IBAN/RIB, its spaces taken out before the checks, holds ASCII letters and digits: Laravel's `alpha_num:ascii`. */
export const paypalBody = compile(Type.Object({ paypal_email: Type.String({ format: 'email', maxLength: 255 }) }));

export const MAX_PROOF_BYTES = 5 * 1024 * 1024;
export const PROOF_TYPES: Record<string, string> = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg' };
export const PROOF_WRONG_TYPE = 'The file field must be a file of type: pdf, png, jpeg.';
export const PROOF_TOO_BIG = `The file field must not be greater than ${MAX_PROOF_BYTES / 1024} kilobytes.`;
export const PROOF_NOT_FILE = 'The file field must be a file.';
export const amountTooHigh = (available: number) => `The amount field must not be greater than ${plainAmount(available)}.`;
export const detailsMissing = (method: PaymentMethod) =>
  method === 'paypal'
    ? 'Add your PayPal email under Payment details before asking for a PayPal payout.'
    : 'Add your bank account under Payment details before asking for a bank transfer.';
