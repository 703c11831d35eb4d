import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';

/** A new category, audited; its id. */
export async function createCategory(q: Queryable, user: WebUser, name: string): Promise<string> {
  const id = newId();
  await q.query('INSERT INTO categories (id, name) VALUES ($1, $2)', [id, name]);
  await audit(q, user, 'categories.create', { type: 'category', id }, { name });
  return id;
}

/** Renames a category (audited) when the name changed. */
export async function renameCategory(q: Queryable, user: WebUser, before: { id: string; name: string }, name: string): Promise<void> {
  if (name === before.name) return;
  await q.query('UPDATE categories SET name = $2, updated_at = now() WHERE id = $1', [before.id, name]);
  await audit(q, user, 'categories.update', { type: 'category', id: before.id }, { name: [before.name, name] });
}

/** Deletes the categories `ids`; the deleted ones, for the audit. */
export async function deleteCategories(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  // Deleted products keep no category: nothing shows them any more.
  await q.query('UPDATE products SET category_id = NULL WHERE category_id = ANY($1::text[]) AND deleted_at IS NOT NULL', [ids]);
  const { rows } = await q.query<{ id: string; name: string }>('DELETE FROM categories WHERE id = ANY($1::text[]) RETURNING id, name', [
    ids,
  ]);
  return rows;
}
