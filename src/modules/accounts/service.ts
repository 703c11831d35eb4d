import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';

export async function createAccount(q: Queryable, input: { name: string; status?: 'active' | 'inactive' }): Promise<{ id: string }> {
  const id = newId();
  await q.query('INSERT INTO accounts (id, name, status) VALUES ($1, $2, $3)', [id, input.name, input.status ?? 'active']);
  return { id };
}

export async function accountExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM accounts WHERE id = $1', [id]);
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
