import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import type { WarehouseJson } from './queries.js';

export type WarehouseInput = { name?: string; city_id?: string | null; address?: string | null; phone?: string | null; status?: string };

/** A new warehouse (its city's name copied beside it), audited; its id. */
export async function createWarehouse(q: Queryable, user: WebUser, input: WarehouseInput): Promise<string> {
  const id = newId();
  await q.query(
    `INSERT INTO warehouses (id, name, city_id, city, address, phone, status)
       VALUES ($1, $2, $3, (SELECT name FROM cities WHERE id = $3), $4, $5, $6)`,
    [id, input.name, input.city_id ?? null, input.address ?? null, input.phone ?? null, input.status ?? 'active'],
  );
  await audit(q, user, 'warehouses.create', { type: 'warehouse', id }, input);
  return id;
}

/** Writes the fields `input` gives (audited, with before and after) when anything changed. */
export async function updateWarehouse(q: Queryable, user: WebUser, before: WarehouseJson, input: WarehouseInput): Promise<void> {
  const next = {
    name: input.name ?? before.name,
    city_id: 'city_id' in input ? (input.city_id ?? null) : before.city_id,
    address: 'address' in input ? (input.address ?? null) : before.address,
    phone: 'phone' in input ? (input.phone ?? null) : before.phone,
    status: input.status ?? before.status,
  };
  const changes = Object.fromEntries(
    (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== before[k]).map((k) => [k, [before[k], next[k]]]),
  );
  if (Object.keys(changes).length === 0) return;
  await q.query(
    `UPDATE warehouses SET name = $2, city_id = $3, city = CASE WHEN $3::text IS NULL THEN NULL ELSE (SELECT name FROM cities WHERE id = $3) END,
                address = $4, phone = $5, status = $6, updated_at = now() WHERE id = $1`,
    [before.id, next.name, next.city_id, next.address, next.phone, next.status],
  );
  await audit(q, user, 'warehouses.update', { type: 'warehouse', id: before.id }, changes);
}

/** Deletes the warehouses `ids`; the deleted ones, for the audit. */
export async function deleteWarehouses(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  // Stock managers stop managing it; stocks (migration 0007) refuse the delete by their foreign key.
  await q.query(
    `UPDATE users u SET warehouses_ids_to_manage = (
         SELECT coalesce(jsonb_agg(t.e ORDER BY t.i), '[]'::jsonb)
           FROM jsonb_array_elements(u.warehouses_ids_to_manage) WITH ORDINALITY AS t(e, i)
          WHERE NOT (t.e #>> '{}' = ANY($1::text[]))),
       updated_at = now()
     WHERE u.warehouses_ids_to_manage ?| $1::text[]`,
    [ids],
  );
  return (await q.query<{ id: string; name: string }>('DELETE FROM warehouses WHERE id = ANY($1::text[]) RETURNING id, name', [ids])).rows;
}
