import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';

/** A new city, audited; its id. */
export async function createCity(q: Queryable, user: WebUser, name: string): Promise<string> {
  const id = newId();
  await q.query('INSERT INTO cities (id, name) VALUES ($1, $2)', [id, name]);
  await audit(q, user, 'cities.create', { type: 'city', id }, { name });
  return id;
}

/** Renames a city (audited) when the name changed, and its warehouses' copy of it. */
export async function renameCity(q: Queryable, user: WebUser, before: { id: string; name: string }, name: string): Promise<void> {
  if (name === before.name) return;
  await q.query('UPDATE cities SET name = $2, updated_at = now() WHERE id = $1', [before.id, name]);
  // Warehouses keep their city's name readable in 0004's `city` column.
  await q.query('UPDATE warehouses SET city = $2 WHERE city_id = $1', [before.id, name]);
  await audit(q, user, 'cities.update', { type: 'city', id: before.id }, { name: [before.name, name] });
}

/** Deletes the cities `ids` (their areas go with them); the deleted ones, for the audit. */
export async function deleteCities(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  return (await q.query<{ id: string; name: string }>('DELETE FROM cities WHERE id = ANY($1::text[]) RETURNING id, name', [ids])).rows;
}

interface AreaInput {
  city_id: string;
  name: string;
}

/** A new area of a city, audited; its id. */
export async function createArea(q: Queryable, user: WebUser, input: AreaInput): Promise<string> {
  const id = newId();
  await q.query('INSERT INTO areas (id, city_id, name) VALUES ($1, $2, $3)', [id, input.city_id, input.name]);
  await audit(q, user, 'areas.create', { type: 'area', id }, { city_id: input.city_id, name: input.name });
  return id;
}

/** Renames an area or moves it to another city (audited), when anything changed. */
export async function updateArea(q: Queryable, user: WebUser, before: AreaInput & { id: string }, input: AreaInput): Promise<void> {
  if (input.name === before.name && input.city_id === before.city_id) return;
  await q.query('UPDATE areas SET city_id = $2, name = $3, updated_at = now() WHERE id = $1', [before.id, input.city_id, input.name]);
  await audit(
    q,
    user,
    'areas.update',
    { type: 'area', id: before.id },
    { city_id: [before.city_id, input.city_id], name: [before.name, input.name] },
  );
}

/** Deletes the areas `ids`; the deleted ones, for the audit. */
export async function deleteAreas(q: Queryable, ids: string[]): Promise<{ id: string; name: string; city_id: string }[]> {
  const { rows } = await q.query<{ id: string; name: string; city_id: string }>(
    'DELETE FROM areas WHERE id = ANY($1::text[]) RETURNING id, name, city_id',
    [ids],
  );
  return rows;
}
