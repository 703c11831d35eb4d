import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';
import { CASH_TO_COLLECT, DELIVERY_FEE, RETURN_FEE } from './order-fees.js';

/** finance.md's ledger kinds: credits, fees (−), payouts, wallet payments and adjustments (±). */
export const LEDGER_KINDS = [
  'delivered',
  'confirmation_fee',
  'fulfilment_fee',
  'delivery_fee',
  'return_fee',
  'cod_fee',
  'payout_reserved',
  'payout_released',
  'wallet_payment',
  'adjustment',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One ledger row to append; amounts travel as decimal text so no cent is lost to floats. */
export interface LedgerEntry {
  kind: LedgerKind;
  amount: string;
  orderId?: string | null;
  orderReference?: string | null;
  attempt?: number | null;
  invoiceId?: string | null;
  invoiceReference?: string | null;
  comment?: string | null;
}

/**
 * Locks the account's balance row (made on first use) until the transaction ends and answers the
 * balance: every ledger write of the account waits here, so rows get their balance_after in order
 * and a payout's check of the balance holds until it is booked.
 */
export async function lockBalance(q: Queryable, accountId: string): Promise<number> {
  const { rows } = await q.query<{ balance: string }>(
    `INSERT INTO account_balances (account_id) VALUES ($1)
     ON CONFLICT (account_id) DO UPDATE SET balance = account_balances.balance
     RETURNING balance::text`,
    [accountId],
    { name: 'ledger-lock-balance' },
  );
  return Number(rows[0].balance);
}

/**
 * The one ledger function: appends `entries` in order to the account's ledger with their running
 * balance_after, and moves the balance row, in the caller's transaction. An order's row of a kind
 * and attempt, or an invoice's row of a kind, exists once (unique indexes): booking it again fails
 * the whole transaction instead of counting twice. Rows name the user who caused them and, in a
 * "Log in as" session, the admin behind them (`impersonator_id`). Answers the new balance.
 */
export async function book(q: Queryable, actor: Actor, accountId: string, entries: LedgerEntry[]): Promise<number> {
  const balance = await lockBalance(q, accountId);
  if (entries.length === 0) return balance;
  const { rows } = await q.query<{ balance: string }>(
    `WITH e AS (
       SELECT * FROM unnest($3::text[], $4::numeric[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
                WITH ORDINALITY AS e(kind, amount, order_id, order_reference, attempt, invoice_id, invoice_reference, comment, n)
     ), ins AS (
       INSERT INTO balance_histories (account_id, kind, amount, balance_after, order_id, order_reference, attempt,
                                      invoice_id, invoice_reference, comment, created_by, impersonator_id)
       SELECT $1, e.kind, e.amount, $2::numeric + sum(e.amount) OVER (ORDER BY e.n), e.order_id, e.order_reference, e.attempt,
              e.invoice_id, e.invoice_reference, e.comment, $11, $12
         FROM e ORDER BY e.n
       RETURNING amount
     )
     UPDATE account_balances SET balance = balance + (SELECT sum(amount) FROM ins), row_count = row_count + (SELECT count(*) FROM ins)
      WHERE account_id = $1 RETURNING balance::text`,
    [
      accountId,
      balance,
      entries.map((e) => e.kind),
      entries.map((e) => e.amount),
      entries.map((e) => e.orderId ?? null),
      entries.map((e) => e.orderReference ?? null),
      entries.map((e) => e.attempt ?? null),
      entries.map((e) => e.invoiceId ?? null),
      entries.map((e) => e.invoiceReference ?? null),
      entries.map((e) => e.comment ?? null),
      actor.kind === 'user' ? actor.userId : null,
      actor.kind === 'user' ? actor.impersonatorId : null,
    ],
  );
  return Number(rows[0].balance);
}

/** What an order's delivery attempt charges: its fees read from the fee tables at the moment of the move. */
interface AttemptCharges {
  id: string;
  reference: string;
  to_status: 'delivered' | 'returned';
  attempt: number;
  collected: string;
  confirmation_fee: string;
  fulfilment_fee: string;
  delivery_fee: string;
  return_fee: string;
  cod_fee: string;
}

/**
 * Books the orders that became delivered or returned (called by orders/lifecycle.ts
 * transitionOrders, in its transaction, for one account): each move is a new delivery attempt
 * with the rows of finance.md's fee table — the collected amount and the delivery, fulfilment,
 * COD and (first attempt of an order from a lead) confirmation fees when delivered; the return,
 * fulfilment and confirmation fees when returned. Fees are read now and fixed in the rows; a fee
 * of 0 books no row. The collected amount is the cash to collect fixed on the order when it was
 * shipped (what its label and courier were told; `cod_fee` is its percent), kept on the order as
 * `collected_amount` for the courier's cash.
 */
export async function bookOrderMoves(
  q: Queryable,
  actor: Actor,
  accountId: string,
  moves: { id: string; to: 'delivered' | 'returned' }[],
): Promise<void> {
  if (moves.length === 0) return;
  const { rows } = await q.query<AttemptCharges>(
    `WITH m AS (SELECT * FROM unnest($2::text[], $3::text[]) AS m(id, to_status)),
     c AS (
       SELECT o.id, o.reference, m.to_status, o.delivery_attempts + 1 AS attempt,
              CASE WHEN o.lead_id IS NOT NULL AND o.delivery_attempts = 0 THEN coalesce(f.confirmation_fee, 0) ELSE 0 END AS confirmation_fee,
              coalesce(f.fulfilment_fee, 0) AS fulfilment_fee,
              ${DELIVERY_FEE('o')} AS delivery_fee, ${RETURN_FEE('o')} AS return_fee,
              coalesce(f.cod_percent, 0) AS cod_percent,
              CASE WHEN m.to_status = 'delivered' THEN ${CASH_TO_COLLECT('o')} END AS collected
         FROM m JOIN orders o ON o.id = m.id AND o.account_id = $1
         LEFT JOIN account_fees f ON f.account_id = o.account_id
     )
     SELECT id, reference, to_status, attempt, collected::text, confirmation_fee::text, fulfilment_fee::text,
            delivery_fee::text, return_fee::text, round(coalesce(collected, 0) * cod_percent / 100, 2)::text AS cod_fee
       FROM c ORDER BY array_position($2::text[], id)`,
    [accountId, moves.map((m) => m.id), moves.map((m) => m.to)],
  );
  const entries: LedgerEntry[] = [];
  const fee = (r: AttemptCharges, kind: LedgerKind, amount: string) => {
    if (Number(amount) !== 0) entries.push({ kind, amount: `-${amount}`, orderId: r.id, orderReference: r.reference, attempt: r.attempt });
  };
  for (const r of rows) {
    const order = { orderId: r.id, orderReference: r.reference, attempt: r.attempt };
    if (r.to_status === 'delivered') entries.push({ kind: 'delivered', amount: r.collected, ...order });
    fee(r, 'confirmation_fee', r.confirmation_fee);
    fee(r, 'fulfilment_fee', r.fulfilment_fee);
    if (r.to_status === 'delivered') {
      fee(r, 'delivery_fee', r.delivery_fee);
      fee(r, 'cod_fee', r.cod_fee);
    } else fee(r, 'return_fee', r.return_fee);
  }
  await q.query(
    `UPDATE orders o SET delivery_attempts = c.attempt, collected_amount = coalesce(c.collected, o.collected_amount)
       FROM unnest($1::text[], $2::int[], $3::numeric[]) AS c(id, attempt, collected) WHERE o.id = c.id`,
    [rows.map((r) => r.id), rows.map((r) => r.attempt), rows.map((r) => r.collected)],
  );
  await book(q, actor, accountId, entries);
}
