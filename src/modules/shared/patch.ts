import type { Queryable } from '../../db/database.js';

export type ColumnType = 'text' | 'jsonb' | 'numeric' | 'smallint' | 'boolean';

/**
 * Applies partial updates to many rows in one statement: each row's patch is a JSON object, and a
 * column changes only where its key is present (a null clears it).
 */
export async function patchRows(
  q: Queryable,
  table: 'leads' | 'orders',
  columns: Record<string, ColumnType>,
  items: { id: string; patch: Record<string, unknown> }[],
): Promise<void> {
  const changed = items.filter((i) => Object.keys(i.patch).length > 0);
  if (changed.length === 0) return;
  const sets = Object.entries(columns).map(([col, type]) => {
    const value = type === 'jsonb' ? `c.p->'${col}'` : type === 'text' ? `c.p->>'${col}'` : `(c.p->>'${col}')::${type}`;
    return `${col} = CASE WHEN c.p ? '${col}' THEN ${value} ELSE t.${col} END`;
  });
  await q.query(
    `UPDATE ${table} t SET ${sets.join(', ')}, updated_at = now()
       FROM unnest($1::text[], $2::jsonb[]) AS c(id, p) WHERE t.id = c.id`,
    [changed.map((i) => i.id), changed.map((i) => JSON.stringify(i.patch))],
  );
}
