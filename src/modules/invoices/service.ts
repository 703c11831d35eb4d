import type { Queryable } from '../../db/database.js';
import { invalid } from '../../http/errors.js';
import { messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { reserveReferences } from '../../lib/references.js';
import { audit, auditMany } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import { book, lockBalance } from '../ledger/book.js';
import { invoiceStatusChanged } from './events.js';
import type { InvoiceRow, PaymentDetails } from './queries.js';
import { amountTooHigh, mayMoveInvoice, type InvoiceStatus, type PaymentMethod } from './schemas.js';

/** The audit action of a move to each status (the routes' names: paid, un-paid, cancel). */
const MOVE_ACTIONS: Record<InvoiceStatus, string> = { paid: 'invoices.paid', pending: 'invoices.un-paid', canceled: 'invoices.cancel' };

/**
 * A status change's history row (naming the user and, while impersonating, the admin behind them),
 * its `invoice.status_changed` event, and its audit entry, as every finance action has one.
 */
async function appendHistory(
  q: Queryable,
  user: WebUser,
  inv: { id: string; account_id: string; reference: string },
  from: InvoiceStatus | null,
  to: InvoiceStatus,
  comment: string | null,
  proofPath: string | null,
  audited: { action: string; changes: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `INSERT INTO invoice_histories (invoice_id, old_status, new_status, comment, proof_path, changed_by, user_id, impersonator_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [inv.id, from, to, comment, proofPath, user.full_name, user.id, user.impersonator?.id ?? null],
  );
  await invoiceStatusChanged(q, { invoiceId: inv.id, accountId: inv.account_id, reference: inv.reference, from, to });
  await audit(
    q,
    user,
    audited.action,
    { type: 'invoice', id: inv.id, accountId: inv.account_id },
    {
      reference: inv.reference,
      ...audited.changes,
      ...(comment === null ? {} : { comment }),
    },
  );
}

/**
 * A payout larger than the available balance, said to a user whose pages hide money (finance.md:
 * "hide money" blanks every amount on their pages): the form's message does not carry the balance.
 * JSON answers keep the number (api-v1.md's `must not be greater than <n>.`).
 */
export const AMOUNT_OVER_HIDDEN_BALANCE = 'The amount field must not be greater than your available balance.';

/** Whether a request's answer is one of the user's pages, hiding money (not JSON: finance.md). */
export const hidesBalance = (user: WebUser, json: boolean) => user.hide_money && !json;

/**
 * A seller's payout request: under the account's balance lock, the amount must fit the available
 * balance (else 422 on `amount`); the invoice (pending) and its `payout_reserved` row are written
 * together. Two requests at once wait for each other at the lock, so they never overdraw.
 */
export async function requestPayout(
  q: Queryable,
  user: WebUser,
  accountId: string,
  input: { amount: string; payment_method: PaymentMethod; comment: string | null },
  hideBalance = false,
): Promise<string> {
  const available = await lockBalance(q, accountId);
  if (Number(input.amount) > available)
    throw invalid({ amount: [hideBalance ? AMOUNT_OVER_HIDDEN_BALANCE : amountTooHigh(Math.max(0, available))] });
  const [reference] = await reserveReferences(q, accountId, 'invoice', 1);
  const id = newId();
  // The details it is paid to are kept with it: a later change of the seller's details is for the
  // next payouts, not this one (docs/decisions.md).
  await q.query(
    `INSERT INTO invoices (id, account_id, reference, amount, payment_method, comment, created_by, paid_to)
     VALUES ($1, $2, $3, $4, $5, $6, $7,
             (SELECT CASE $5 WHEN 'paypal' THEN jsonb_build_object('paypal_email', d.paypal_email)
                     ELSE jsonb_build_object('bank_name', d.bank_name, 'account_holder', d.account_holder, 'iban', d.iban) END
                FROM payment_details d WHERE d.account_id = $2))`,
    [id, accountId, reference, input.amount, input.payment_method, input.comment, user.id],
  );
  const inv = { id, account_id: accountId, reference };
  await book(q, user, accountId, [{ kind: 'payout_reserved', amount: `-${input.amount}`, invoiceId: id, invoiceReference: reference }]);
  await appendHistory(q, user, inv, null, 'pending', input.comment, null, {
    action: 'invoices.request',
    changes: { amount: input.amount, payment_method: input.payment_method },
  });
  return id;
}

/**
 * The one place an invoice's status changes (a locked row): paid (with its proof), un-paid, or
 * canceled — which books the `payout_released` row. A move the lifecycle lacks is a 422 on `status`.
 */
export async function moveInvoice(
  q: Queryable,
  user: WebUser,
  inv: InvoiceRow,
  to: InvoiceStatus,
  opts: { comment?: string | null; proofPath?: string | null } = {},
): Promise<void> {
  if (!mayMoveInvoice(user.role, inv.status, to)) throw invalid({ status: [messages.statusTransition(inv.status, to)] });
  await q.query(
    `UPDATE invoices SET status = $2, updated_at = now(), proof_path = CASE WHEN $2 = 'paid' THEN $3 WHEN $2 = 'pending' THEN NULL ELSE proof_path END,
            comment = coalesce($4, comment) WHERE id = $1`,
    [inv.id, to, opts.proofPath ?? null, opts.comment ?? null],
  );
  if (to === 'canceled')
    await book(q, user, inv.account_id, [
      { kind: 'payout_released', amount: inv.amount, invoiceId: inv.id, invoiceReference: inv.reference },
    ]);
  await appendHistory(q, user, inv, inv.status, to, opts.comment ?? null, opts.proofPath ?? null, {
    action: MOVE_ACTIONS[to],
    changes: { status: [inv.status, to] },
  });
}

/** Deletes canceled invoices (the caller checked); their ledger rows stay, naming the reference. */
export async function deleteInvoices(q: Queryable, user: WebUser, rows: InvoiceRow[]): Promise<void> {
  const { rows: gone } = await q.query<{ id: string }>(
    `DELETE FROM invoices WHERE id = ANY($1::text[]) AND status = 'canceled' RETURNING id`,
    [rows.map((r) => r.id)],
  );
  // Only what this request deleted: a second delete of the same payout at the same moment finds it gone.
  const deleted = new Set(gone.map((r) => r.id));
  await auditMany(
    q,
    user,
    'invoices.delete',
    'invoice',
    rows.filter((r) => deleted.has(r.id)).map((r) => ({ id: r.id, accountId: r.account_id, changes: { reference: r.reference } })),
  );
}

export async function savePaymentDetails(q: Queryable, user: WebUser, accountId: string, changes: Partial<PaymentDetails>): Promise<void> {
  const keys = Object.keys(changes) as (keyof PaymentDetails)[];
  await q.query('INSERT INTO payment_details (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING', [accountId]);
  await q.query(
    `UPDATE payment_details SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE account_id = $1`,
    [accountId, ...keys.map((k) => changes[k])],
  );
  await audit(q, user, 'settings.payment', { type: 'account', id: accountId, accountId }, { fields: keys });
}
