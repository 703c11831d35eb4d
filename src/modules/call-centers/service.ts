import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import type { CallCenterInput } from './schemas.js';

/** A new call centre, audited; its id. */
export async function createCallCenter(q: Queryable, user: WebUser, input: CallCenterInput): Promise<string> {
  const id = newId();
  await q.query('INSERT INTO call_centers (id, name, manager_id, status) VALUES ($1, $2, $3, $4)', [
    id,
    input.name,
    input.manager_id ?? null,
    input.status ?? 'active',
  ]);
  await audit(q, user, 'call-centers.create', { type: 'call-center', id }, input);
  return id;
}

/** Writes the fields `input` gives (an emptied manager clears it), audited. */
export async function updateCallCenter(q: Queryable, user: WebUser, id: string, input: CallCenterInput): Promise<void> {
  await q.query(
    `UPDATE call_centers SET name = coalesce($2, name), manager_id = CASE WHEN $5 THEN $3 ELSE manager_id END,
            status = coalesce($4, status), updated_at = now() WHERE id = $1`,
    [id, input.name ?? null, input.manager_id ?? null, input.status ?? null, 'manager_id' in input],
  );
  await audit(q, user, 'call-centers.update', { type: 'call-center', id }, input);
}

/** Deletes the call centres `ids`; their people stay, in no call centre. The deleted ones, for the audit. */
export async function deleteCallCenters(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  await q.query('UPDATE users SET call_center_id = NULL, updated_at = now() WHERE call_center_id = ANY($1::text[])', [ids]);
  return (await q.query<{ id: string; name: string }>('DELETE FROM call_centers WHERE id = ANY($1::text[]) RETURNING id, name', [ids]))
    .rows;
}
