import type { Queryable } from './database.js';

/**
 * Is `name` already used in `table`, ignoring case, by a row other than `exceptId`? With `within`,
 * only among the rows of one parent (an area's name is unique within its city). `table` and the
 * column are the caller's constants, never input.
 */
export async function nameTaken(
  q: Queryable,
  table: string,
  name: string,
  exceptId?: string,
  within?: { column: string; value: string },
): Promise<boolean> {
  const params: unknown[] = [name, exceptId ?? null];
  const parent = within ? ` AND ${within.column} = $${params.push(within.value)}` : '';
  const { rows } = await q.query(
    `SELECT 1 FROM ${table} WHERE lower(name) = lower($1) AND ($2::text IS NULL OR id <> $2)${parent}`,
    params,
  );
  return rows.length > 0;
}
