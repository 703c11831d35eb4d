import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { deleteProducts } from '../products/service.js';
import { deleteUsers } from '../users/service.js';

export async function createAccount(q: Queryable, input: { name: string; status?: 'active' | 'inactive' }): Promise<{ id: string }> {
  const id = newId();
  await q.query('INSERT INTO accounts (id, name, status) VALUES ($1, $2, $3)', [id, input.name, input.status ?? 'active']);
  return { id };
}

/** Whether an account exists and is not deleted: every `account_id` a request names is checked here. */
export async function accountExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM accounts WHERE id = $1 AND deleted_at IS NULL', [id]);
  return rows.length > 0;
}

export async function renameAccount(q: Queryable, id: string, name: string): Promise<void> {
  await q.query('UPDATE accounts SET name = $2, updated_at = now() WHERE id = $1', [id, name]);
}

/**
 * Activates or deactivates an account. Deactivating ends its users' sessions at once; its tokens
 * answer 401 from then on (the auth-change trigger tells every process). Returns whether it changed.
 */
export async function setAccountStatus(q: Queryable, id: string, status: 'active' | 'inactive'): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE accounts SET status = $2, updated_at = now() WHERE id = $1 AND status <> $2', [id, status]);
  if (status === 'inactive') await q.query('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)', [id]);
  return rowCount > 0;
}

/** What an account holds that keeps it from being deleted, for each account of `ids` that holds anything. */
export async function accountsInUse(q: Queryable, ids: string[]) {
  const { rows } = await q.query<{ name: string; leads: number; orders: number; stocks: number; money: number }>(
    `SELECT a.name,
            (SELECT count(*) FROM leads WHERE account_id = a.id)::int AS leads,
            (SELECT count(*) FROM orders WHERE account_id = a.id)::int AS orders,
            (SELECT count(*) FROM stocks s JOIN products p ON p.id = s.product_id
              WHERE p.account_id = a.id AND s.deleted_at IS NULL)::int AS stocks,
            ((SELECT count(*) FROM balance_histories WHERE account_id = a.id)
              + (SELECT count(*) FROM invoices WHERE account_id = a.id))::int AS money
       FROM accounts a WHERE a.id = ANY($1::text[]) AND a.deleted_at IS NULL ORDER BY lower(a.name), a.id`,
    [ids],
  );
  return rows.filter((r) => r.leads + r.orders + r.stocks + r.money > 0);
}

/** Locks accounts for a delete, so that what they hold is read once more under the lock. */
export async function lockAccounts(q: Queryable, ids: string[]): Promise<void> {
  await q.query('SELECT 1 FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
}

/**
 * Deletes accounts that hold no business (accountsInUse): each is deactivated and leaves every list,
 * its users are removed (sessions end), its products deleted, its API keys revoked and its webhooks
 * dropped. Answers the deleted accounts; unknown or already deleted ids are skipped.
 */
export async function deleteAccounts(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  const { rows } = await q.query<{ id: string; name: string }>(
    `UPDATE accounts SET deleted_at = now(), status = 'inactive', updated_at = now()
      WHERE id = ANY($1::text[]) AND deleted_at IS NULL RETURNING id, name`,
    [ids],
  );
  const gone = rows.map((r) => r.id);
  if (gone.length === 0) return rows;
  const users = await q.query<{ id: string }>('SELECT id FROM users WHERE account_id = ANY($1::text[]) AND deleted_at IS NULL', [gone]);
  await deleteUsers(
    q,
    users.rows.map((u) => u.id),
  );
  const products = await q.query<{ id: string }>('SELECT id FROM products WHERE account_id = ANY($1::text[]) AND deleted_at IS NULL', [
    gone,
  ]);
  await deleteProducts(
    q,
    products.rows.map((p) => p.id),
  );
  await q.query('UPDATE api_tokens SET revoked_at = now() WHERE account_id = ANY($1::text[]) AND revoked_at IS NULL', [gone]);
  await q.query('DELETE FROM webhooks WHERE account_id = ANY($1::text[])', [gone]);
  return rows;
}
