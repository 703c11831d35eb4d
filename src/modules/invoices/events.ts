import type { Queryable } from '../../db/database.js';
import { recordEvents, type EventSource } from '../events/outbox.js';
import { INVOICE_JSON } from './queries.js';

export interface InvoiceStatusChange {
  invoiceId: string;
  accountId: string;
  reference: string;
  from: string | null;
  to: string;
}

/** An invoice's webhook JSON: finance.md's representation, rendered by the database. */
const INVOICE_EVENTS: EventSource = { resource: 'invoice', from: 'invoices i', alias: 'i', json: INVOICE_JSON };

/**
 * The one door of `invoice.status_changed` (webhooks-files.md), called in the transaction of every
 * invoice status change after its last write: an event in the outbox, with `previous_status`, for
 * each of the account's webhooks listening to it.
 */
export async function invoiceStatusChanged(q: Queryable, change: InvoiceStatusChange): Promise<void> {
  await recordEvents(q, 'invoice.status_changed', change.accountId, INVOICE_EVENTS, [
    { id: change.invoiceId, previousStatus: change.from },
  ]);
}
