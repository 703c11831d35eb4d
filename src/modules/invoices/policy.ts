import { definePolicy } from '../../core/policy.js';

type InvoiceAction = 'view' | 'request' | 'cancel' | 'paid' | 'delete' | 'payment-details';

/**
 * domain.md's invoices row: admins VCUD + paid, un-paid, cancel; sellers view, request a payout
 * and cancel their own (pending) ones, and keep their payment details.
 */
export const invoicePolicy = definePolicy<InvoiceAction>({
  admin: ['view', 'cancel', 'paid', 'delete', 'payment-details'],
  seller: ['view', 'request', 'cancel', 'payment-details'],
});
