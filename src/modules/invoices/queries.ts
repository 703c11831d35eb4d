import type { Queryable } from '../../db/database.js';
import { jsonPage, type ListRequest } from '../../db/paging.js';
import { contains, Where } from '../../db/where.js';
import { notFound } from '../../http/errors.js';
import type { WebUser } from '../../web/types.js';
import { IMPERSONATOR } from '../records/history.js';
import type { InvoiceStatus, PaymentMethod } from './schemas.js';

/** finance.md's JSON of a payout. */
export interface InvoiceJson {
  id: string;
  reference: string;
  amount: number;
  status: InvoiceStatus;
  payment_method: PaymentMethod;
  comment: string | null;
  proof_url: string | null;
  created_at: string;
  updated_at: string;
}

export const INVOICE_JSON = `json_build_object('id', i.id, 'reference', i.reference, 'amount', i.amount::float8, 'status', i.status,
  'payment_method', i.payment_method, 'comment', i.comment,
  'proof_url', CASE WHEN i.proof_path IS NOT NULL THEN '/invoices/' || i.id || '/proof' END,
  'created_at', iso_utc(i.created_at), 'updated_at', iso_utc(i.updated_at))`;

/** The account a user's invoices are limited to: a seller's own; null for admins (all). */
export const invoiceScope = (user: WebUser) => (user.role === 'seller' ? user.account_id : null);

export interface InvoiceRow {
  id: string;
  account_id: string;
  account_name: string;
  reference: string;
  status: InvoiceStatus;
  amount: string;
  proof_path: string | null;
  created_at: string;
  /** Where it is paid: its method's details when it was requested (migration 0046), null if there were none. */
  paid_to: Partial<PaymentDetails> | null;
  data: InvoiceJson;
}

/** One invoice the user may see (another account's is undefined: a 404). */
export async function findInvoice(q: Queryable, user: WebUser, id: string, lock = false): Promise<InvoiceRow | undefined> {
  const { rows } = await q.query<InvoiceRow>(
    `SELECT i.id, i.account_id, a.name AS account_name, i.reference, i.status, i.amount::text AS amount, i.proof_path,
            iso_utc(i.created_at) AS created_at, i.paid_to, ${INVOICE_JSON} AS data
       FROM invoices i JOIN accounts a ON a.id = i.account_id
      WHERE i.id = $1 AND ($2::text IS NULL OR i.account_id = $2) ${lock ? 'FOR UPDATE OF i' : ''}`,
    [id, invoiceScope(user)],
  );
  return rows[0];
}

/** The invoice locked for a move (inside its transaction), or a 404: it may have been deleted since the page loaded it. */
export async function lockInvoice(q: Queryable, user: WebUser, id: string): Promise<InvoiceRow> {
  const row = await findInvoice(q, user, id, true);
  if (!row) throw notFound();
  return row;
}

/** The list's sorts (web/list-query.ts checks `sort` against them); the id breaks ties. */
const INVOICE_SORTS_SQL: Record<string, string> = {
  reference: 'i.reference',
  amount: 'i.amount',
  status: 'i.status',
  created_at: 'i.created_at',
};
export const INVOICE_SORTS = Object.keys(INVOICE_SORTS_SQL);

export interface InvoiceFilters extends ListRequest {
  status?: string;
  payment_method?: string;
  account_id?: string;
  search?: string;
}

/**
 * One page of the payouts `user` may see: search by reference (and, for staff, the account's
 * name), status, payment method and (staff) account, in the asked order.
 */
export function invoicePage(q: Queryable, user: WebUser, f: InvoiceFilters, extra = false): Promise<string> {
  const w = new Where();
  const scope = invoiceScope(user);
  if (scope) w.and(`i.account_id = ${w.param(scope)}`);
  else if (f.account_id) w.and(`i.account_id = ${w.param(f.account_id)}`);
  if (f.status) w.and(`i.status = ${w.param(f.status)}`);
  if (f.payment_method) w.and(`i.payment_method = ${w.param(f.payment_method)}`);
  const search = f.search?.trim();
  if (search) {
    const like = w.param(contains(search));
    w.and(scope ? `i.reference ILIKE ${like}` : `(i.reference ILIKE ${like} OR a.name ILIKE ${like})`);
  }
  const json = extra ? `(${INVOICE_JSON}::jsonb || jsonb_build_object('account_name', a.name))` : INVOICE_JSON;
  const dir = f.direction === 'asc' ? 'ASC' : 'DESC';
  return jsonPage(q, {
    jsonExpr: json,
    from: 'FROM invoices i JOIN accounts a ON a.id = i.account_id',
    key: 'i.id',
    where: w,
    orderBy: [
      [INVOICE_SORTS_SQL[f.sort] ?? INVOICE_SORTS_SQL.created_at, dir],
      ['i.id', dir],
    ],
    page: f,
  });
}

export interface InvoiceHistoryRow {
  id: string;
  old_status: string | null;
  new_status: string;
  comment: string | null;
  proof_path: string | null;
  changed_by: string;
  /** The admin logged in as `changed_by` when the change was made. */
  impersonated_by: string | null;
  created_at: string;
}

/** A payout's history, oldest first, each row naming who made it (and who was logged in as them). */
export async function invoiceHistories(q: Queryable, invoiceId: string): Promise<InvoiceHistoryRow[]> {
  const { rows } = await q.query<InvoiceHistoryRow>(
    `SELECT h.id::text, h.old_status, h.new_status, h.comment, h.proof_path, h.changed_by, ${IMPERSONATOR} AS impersonated_by,
            iso_utc(h.created_at) AS created_at
       FROM invoice_histories h WHERE h.invoice_id = $1 ORDER BY h.id`,
    [invoiceId],
  );
  return rows;
}

/** The proof a history row of the invoice kept (a payout marked paid, perhaps un-paid since). */
export async function historyProof(q: Queryable, invoiceId: string, historyId: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(historyId)) return undefined;
  const { rows } = await q.query<{ proof_path: string }>(
    'SELECT proof_path FROM invoice_histories WHERE invoice_id = $1 AND id = $2::bigint AND proof_path IS NOT NULL',
    [invoiceId, historyId],
  );
  return rows[0]?.proof_path;
}

export interface PaymentDetails {
  bank_name: string | null;
  account_holder: string | null;
  iban: string | null;
  paypal_email: string | null;
}

export async function paymentDetails(q: Queryable, accountId: string): Promise<PaymentDetails> {
  const { rows } = await q.query<PaymentDetails>(
    'SELECT bank_name, account_holder, iban, paypal_email FROM payment_details WHERE account_id = $1',
    [accountId],
  );
  return rows[0] ?? { bank_name: null, account_holder: null, iban: null, paypal_email: null };
}

/** The details a payout is paid to, as PaymentDetails (the other method's fields null). */
export const paidTo = (inv: Pick<InvoiceRow, 'paid_to'>): PaymentDetails => ({
  bank_name: null,
  account_holder: null,
  iban: null,
  paypal_email: null,
  ...inv.paid_to,
});

/** finance.md: payment details are masked except to their owner (the account's sellers) and admins. */
export function maskDetails(d: PaymentDetails): PaymentDetails {
  const tail = (s: string | null, keep: number) => (s === null ? null : '•'.repeat(Math.max(0, s.length - keep)) + s.slice(-keep));
  const email = (s: string | null) => (s === null ? null : s.replace(/^(.)[^@]*(@.*)$/, (_m, a: string, b: string) => `${a}•••${b}`));
  return { bank_name: d.bank_name, account_holder: d.account_holder, iban: tail(d.iban, 4), paypal_email: email(d.paypal_email) };
}

export const seesDetailsOf = (user: WebUser, accountId: string) => user.role === 'admin' || user.account_id === accountId;

/** What a statement shows: the period since the previous payout and each order's money in it. */
export interface StatementOrder {
  reference: string;
  kinds: Record<string, number>;
  net: number;
}

/** An admin's adjustment in a statement's period (its net counts them with the orders'). */
export interface StatementAdjustment {
  at: string;
  amount: number;
  comment: string;
}

export interface Statement {
  since: string | null;
  until: string;
  /** Canceled payouts whose orders this one lists: each was canceled after a later payout had been requested. */
  carried: string[];
  orders: StatementOrder[];
  adjustments: StatementAdjustment[];
}

/** One stretch of the ledger between two reservations: the rows whose next reservation is `hi`. */
interface Slot {
  lo: string | null;
  lo_at: string | null;
  lo_ts: string | null;
  hi: string;
  hi_at: string;
  hi_ts: string;
  reference: string | null;
}

/**
 * A statement is bounded by ledger rows, not clocks, and never changes once the payout is
 * requested (docs/decisions.md "Statement period"). Each row belongs to the first payout requested
 * after it; if that payout is canceled, to the first requested after its `payout_released` row,
 * and so on. So a payout lists the stretch since the previous reservation, and those of the payouts
 * whose cancel falls in a stretch it lists — all decided by rows older than its own reservation.
 */
export async function statementOf(q: Queryable, inv: InvoiceRow): Promise<Statement> {
  const { rows: slots } = await q.query<Slot>(
    `WITH RECURSIVE res AS (
       SELECT b.id, b.created_at, b.invoice_reference,
              lag(b.id) OVER w AS lo, lag(b.created_at) OVER w AS lo_ts,
              (SELECT x.id FROM balance_histories x
                WHERE x.invoice_id = b.invoice_id AND x.kind = 'payout_released' AND x.account_id = b.account_id) AS released
         FROM balance_histories b
        WHERE b.account_id = $2 AND b.kind = 'payout_reserved'
          AND b.id <= (SELECT r.id FROM balance_histories r WHERE r.invoice_id = $1 AND r.kind = 'payout_reserved')
       WINDOW w AS (ORDER BY b.id)),
     chain AS (
       SELECT res.* FROM res JOIN balance_histories r ON r.id = res.id WHERE r.invoice_id = $1
       UNION ALL
       SELECT y.* FROM res y JOIN chain z ON y.released < z.id AND y.released > coalesce(z.lo, 0))
     SELECT lo::text, iso_utc(lo_ts) AS lo_at, lo_ts::text, id::text AS hi, iso_utc(created_at) AS hi_at, created_at::text AS hi_ts,
            invoice_reference AS reference
       FROM chain ORDER BY id DESC`,
    [inv.id, inv.account_id],
  );
  // The period is the stretches back to the previous payout not canceled when this one was
  // requested; any older stretch is a canceled payout's, carried here.
  let own = 0;
  while (own + 1 < slots.length && slots[own + 1].hi === slots[own].lo) own++;
  const first = slots[own];
  const carried = slots.slice(own + 1).map((s) => s.reference ?? '');
  // Each stretch, and (for the indexes) the whole span from the oldest one's start to this payout's reservation.
  const oldest = slots.at(-1);
  const bounds = [
    slots.map((s) => s.lo ?? '0'),
    slots.map((s) => s.hi),
    slots.map((s) => s.lo_ts),
    slots.map((s) => s.hi_ts),
    oldest?.lo ?? '0',
    slots[0]?.hi ?? '0',
    oldest?.lo_ts ?? null,
    slots[0]?.hi_ts ?? null,
  ];
  const SLOTS = `(SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) AS s(lo, hi, lo_ts, hi_ts))`;

  // The orders with ledger rows in the period, and those returned in it that booked none (every fee
  // at 0): finance.md lists each delivered and returned order. In the order they were booked.
  const { rows } = await q.query<StatementOrder & { at: string }>(
    `WITH booked AS (
       SELECT h.order_reference AS reference, json_object_agg(h.kind, h.amount::float8) AS kinds, sum(h.amount)::float8 AS net,
              min(h.first_at) AS at
         FROM (SELECT order_reference, kind, sum(amount) AS amount, min(created_at) AS first_at FROM balance_histories
                WHERE account_id = $1 AND order_reference IS NOT NULL AND id > $6::bigint AND id < $7::bigint AND EXISTS (SELECT 1 FROM ${SLOTS} s WHERE id > s.lo AND id < s.hi)
                GROUP BY order_reference, kind) h
        GROUP BY h.order_reference)
     SELECT reference, kinds, net, iso_utc(at) AS at FROM booked
     UNION ALL
     SELECT o.reference, '{}'::json, 0, iso_utc(min(oh.created_at))
       FROM order_histories oh JOIN orders o ON o.id = oh.order_id
      WHERE oh.account_id = $1 AND oh.new_status = 'returned' AND oh.old_status IS DISTINCT FROM oh.new_status AND oh.created_at <= $9::timestamptz
        AND ($8::timestamptz IS NULL OR oh.created_at > $8::timestamptz)
        AND EXISTS (SELECT 1 FROM ${SLOTS} s WHERE oh.created_at <= s.hi_ts AND (s.lo_ts IS NULL OR oh.created_at > s.lo_ts))
        AND o.reference NOT IN (SELECT reference FROM booked)
      GROUP BY o.reference
      ORDER BY at, reference`,
    [inv.account_id, ...bounds],
  );
  const { rows: adjustments } = await q.query<StatementAdjustment>(
    `SELECT iso_utc(created_at) AS at, amount::float8 AS amount, comment FROM balance_histories
      WHERE account_id = $1 AND kind = 'adjustment' AND id > $6::bigint AND id < $7::bigint AND EXISTS (SELECT 1 FROM ${SLOTS} s WHERE id > s.lo AND id < s.hi)
      ORDER BY id`,
    [inv.account_id, ...bounds.slice(0, 6)],
  );
  return {
    since: first?.lo_at ?? null,
    until: slots[0]?.hi_at ?? inv.created_at,
    carried,
    orders: rows.map(({ reference, kinds, net }) => ({ reference, kinds, net })),
    adjustments,
  };
}
