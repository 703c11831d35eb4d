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
