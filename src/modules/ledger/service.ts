import type { Queryable } from '../../db/database.js';
import { invalid } from '../../http/errors.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import { book, lockBalance } from './book.js';
import { adjustmentTooLow, type FeesInput } from './schemas.js';

const FEE_KEYS = [
  'confirmation_fee',
  'fulfilment_fee',
  'delivery_fee',
  'return_fee',
  'default_delivery_fee',
  'default_return_fee',
  'cod_percent',
] as const;

/** Sets some of an account's fees (the others keep theirs); charged rows keep the fees of their moment. */
export async function updateFees(q: Queryable, user: WebUser, accountId: string, input: FeesInput): Promise<void> {
  const keys = FEE_KEYS.filter((k) => input[k] !== undefined);
  await q.query('INSERT INTO account_fees (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING', [accountId]);
  if (keys.length > 0)
    await q.query(
      `UPDATE account_fees SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE account_id = $1`,
      [accountId, ...keys.map((k) => input[k]?.toFixed(2) ?? null)],
    );
  await audit(q, user, 'accounts.fees', { type: 'account', id: accountId, accountId }, input);
}

/**
 * An admin's adjustment: one `adjustment` row with its comment. A debit may not take the available
 * balance below zero (as a payout may not), checked under the balance's lock.
 */
export async function adjustBalance(q: Queryable, user: WebUser, accountId: string, amount: string, comment: string): Promise<void> {
  if (amount.startsWith('-')) {
    const available = await lockBalance(q, accountId);
    if (Math.round(available * 100) + Math.round(Number(amount) * 100) < 0) throw invalid({ amount: [adjustmentTooLow(available)] });
  }
  await book(q, user, accountId, [{ kind: 'adjustment', amount, comment }]);
  await audit(q, user, 'balance.adjust', { type: 'account', id: accountId, accountId }, { amount, comment });
}
