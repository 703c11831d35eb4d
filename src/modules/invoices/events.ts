import type { Queryable } from '../../db/database.js';

export interface InvoiceStatusChange {
  invoiceId: string;
  accountId: string;
  reference: string;
  from: string | null;
  to: string;
}

/**
 * The one door of `invoice.status_changed` (webhooks-files.md), called in the transaction of every
 * invoice status change. The webhooks' outbox is built on another branch; until it is merged here
 * the change is recorded by the invoice history row alone.
 */
export async function invoiceStatusChanged(_q: Queryable, _change: InvoiceStatusChange): Promise<void> {}
