import type { Queryable } from '../../db/database.js';
import { jsonPage } from '../../db/paging.js';
import { contains, dateFrom, dateBefore, Where } from '../../db/where.js';
import { IMPERSONATOR } from '../records/history.js';

export interface Fees {
  confirmation_fee: number;
  fulfilment_fee: number;
  /** The account's own flat fees; null: the shipping company's fee for the city, else the default. */
  delivery_fee: number | null;
  return_fee: number | null;
  default_delivery_fee: number;
  default_return_fee: number;
  cod_percent: number;
}

/** An account's fee table (the defaults, 0, when it has none); undefined for an unknown account. */
export async function feesOf(q: Queryable, accountId: string): Promise<Fees | undefined> {
  const { rows } = await q.query<Fees>(
    `SELECT coalesce(f.confirmation_fee, 0)::float8 AS confirmation_fee, coalesce(f.fulfilment_fee, 0)::float8 AS fulfilment_fee,
            f.delivery_fee::float8 AS delivery_fee, f.return_fee::float8 AS return_fee,
            coalesce(f.default_delivery_fee, 0)::float8 AS default_delivery_fee,
            coalesce(f.default_return_fee, 0)::float8 AS default_return_fee, coalesce(f.cod_percent, 0)::float8 AS cod_percent
       FROM accounts a LEFT JOIN account_fees f ON f.account_id = a.id WHERE a.id = $1`,
    [accountId],
  );
  return rows[0];
}

export interface Balance {
  balance: number;
  reserved: number;
  available: number;
}

/**
 * finance.md's balance: the last balance_after (kept on the account's balance row), the pending
 * payouts already debited, and what may be paid out (the balance itself). Undefined: no account.
 */
export async function balanceOf(q: Queryable, accountId: string): Promise<Balance | undefined> {
  const { rows } = await q.query<Balance>(
    `SELECT coalesce(b.balance, 0)::float8 AS balance,
            coalesce((SELECT sum(amount) FROM invoices i WHERE i.account_id = a.id AND i.status = 'pending'), 0)::float8 AS reserved,
            coalesce(b.balance, 0)::float8 AS available
       FROM accounts a LEFT JOIN account_balances b ON b.account_id = a.id WHERE a.id = $1`,
    [accountId],
    { name: 'ledger-balance' },
  );
  return rows[0];
}

export const LEDGER_JSON = `json_build_object('id', h.id, 'account_id', h.account_id, 'kind', h.kind, 'amount', h.amount::float8,
  'balance_after', h.balance_after::float8, 'order_reference', h.order_reference, 'invoice_reference', h.invoice_reference,
  'comment', h.comment, 'created_by', h.created_by, 'created_at', iso_utc(h.created_at))`;

/**
 * The pages' ledger row: finance.md's JSON plus who wrote it by name and, for a row written while
 * impersonating, the admin logged in as them (the JSON's `created_by` stays the user's id alone).
 */
const LEDGER_PAGE_JSON = `(${LEDGER_JSON}::jsonb || jsonb_build_object(
  'created_by_name', (SELECT u.full_name FROM users u WHERE u.id = h.created_by), 'impersonated_by', ${IMPERSONATOR}))`;

export interface LedgerFilters {
  page: number;
  per_page: number;
  /** The search box: an order's or a payout's whole reference, or part of an adjustment's comment. */
  search?: string;
  kind?: string;
  order_reference?: string;
  invoice_reference?: string;
  created_from?: string;
  created_to?: string;
  /** The zone the dates written without one are read in (dateFrom): the dashboard's. */
  zone?: string;
  /** By date (the entries' order: the ledger is append-only); newest first unless `asc`. */
  direction?: 'asc' | 'desc';
}

/**
 * The search's condition, each arm on an index of the account's rows: a reference-shaped search
 * (as the records' recordSearch reads one) is an order's or a payout's, whole; any text is looked
 * for in the comments, which only adjustments carry (balance_histories_account_kind).
 */
function ledgerSearch(w: Where, search: string): string {
  const s = search.trim();
  const ors = [`(h.kind = 'adjustment' AND h.comment ILIKE ${w.param(contains(s))})`];
  if (/^[a-z]+-\d+$/i.test(s)) {
    const ref = w.param(s.toUpperCase());
    ors.unshift(`h.order_reference = ${ref}`, `h.invoice_reference = ${ref}`);
  }
  return `(${ors.join(' OR ')})`;
}

/**
 * The ledger as the API's paginated body (text), newest first by default; `accountId` null: every
 * account (admins). `forPage`: each row also names who wrote it (LEDGER_PAGE_JSON) and, on the
 * all-accounts page, its account.
 */
export function ledgerPage(q: Queryable, accountId: string | null, f: LedgerFilters, forPage = false): Promise<string> {
  const w = new Where();
  if (accountId) w.and(`h.account_id = ${w.param(accountId)}`);
  const search = f.search?.trim();
  if (search) w.and(ledgerSearch(w, search));
  if (f.kind) w.and(`h.kind = ${w.param(f.kind)}`);
  if (f.order_reference) w.and(`h.order_reference = ${w.param(f.order_reference)}`);
  if (f.invoice_reference) w.and(`h.invoice_reference = ${w.param(f.invoice_reference)}`);
  if (f.created_from) w.and(`h.created_at >= ${w.param(dateFrom(f.created_from, f.zone))}`);
  if (f.created_to) w.and(`h.created_at < ${w.param(dateBefore(f.created_to, f.zone))}`);
  const filtered = Boolean(search || f.kind || f.order_reference || f.invoice_reference || f.created_from || f.created_to);
  // An account's whole ledger is counted by its balance row (kept by book()), not by a scan.
  const total =
    accountId && !filtered
      ? q
          .query<{ n: string }>('SELECT coalesce((SELECT row_count FROM account_balances WHERE account_id = $1), 0)::text AS n', [
            accountId,
          ])
          .then((r) => Number(r.rows[0].n))
      : undefined;
  return jsonPage(q, {
    total,
    jsonExpr: !forPage
      ? LEDGER_JSON
      : accountId
        ? LEDGER_PAGE_JSON
        : `(${LEDGER_PAGE_JSON} || jsonb_build_object('account_name', (SELECT name FROM accounts WHERE id = h.account_id)))`,
    from: 'FROM balance_histories h',
    key: 'h.id',
    where: w,
    orderBy: [['h.id', f.direction === 'asc' ? 'ASC' : 'DESC']],
    page: f,
  });
}

export interface LedgerRow {
  id: number;
  /** The all-accounts page's only. */
  account_name?: string;
  kind: string;
  amount: number;
  balance_after: number;
  order_reference: string | null;
  invoice_reference: string | null;
  comment: string | null;
  created_at: string;
  /** The pages' (LEDGER_PAGE_JSON): who wrote the row, and the admin logged in as them. */
  created_by_name?: string | null;
  impersonated_by?: string | null;
}

/** An order's ledger rows, oldest first (its page's money). */
export async function orderLedger(q: Queryable, orderId: string): Promise<LedgerRow[]> {
  const { rows } = await q.query<{ j: LedgerRow }>(
    `SELECT ${LEDGER_PAGE_JSON} AS j FROM balance_histories h WHERE h.order_id = $1 ORDER BY h.id`,
    [orderId],
  );
  return rows.map((r) => r.j);
}
