import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { Where } from '../../db/where.js';
import { nameTaken } from '../../db/names.js';

export interface CallCenterJson {
  id: string;
  name: string;
  manager_id: string | null;
  manager: string | null;
  status: 'active' | 'inactive';
  agents: number;
  created_at: string;
  updated_at: string;
}

const JSON_EXPR = `json_build_object('id', cc.id, 'name', cc.name, 'manager_id', cc.manager_id, 'manager', m.full_name,
  'status', cc.status, 'agents', (SELECT count(*)::int FROM users u WHERE u.call_center_id = cc.id AND u.role = 'agent' AND u.deleted_at IS NULL),
  'created_at', iso_utc(cc.created_at), 'updated_at', iso_utc(cc.updated_at))`;
const FROM = 'FROM call_centers cc LEFT JOIN users m ON m.id = cc.manager_id';

/** A call-center-manager sees the call centres they manage; admins and the other managers all. */
function scoped(actor: Actor | null): Where {
  const w = new Where();
  if (actor?.role === 'call-center-manager') w.and(`cc.manager_id = ${w.param(actor.userId)}`);
  return w;
}

export async function listCallCenters(q: Queryable, actor: Actor): Promise<CallCenterJson[]> {
  const w = scoped(actor);
  const { rows } = await q.query<{ data: CallCenterJson }>(
    `SELECT ${JSON_EXPR} AS data ${FROM} ${w} ORDER BY lower(cc.name), cc.id`,
    w.params,
  );
  return rows.map((r) => r.data);
}

export async function findCallCenter(q: Queryable, actor: Actor | null, id: string): Promise<CallCenterJson | undefined> {
  const w = scoped(actor);
  w.and(`cc.id = ${w.param(id)}`);
  const { rows } = await q.query<{ data: CallCenterJson }>(`SELECT ${JSON_EXPR} AS data ${FROM} ${w}`, w.params);
  return rows[0]?.data;
}

export const callCenterNameTaken = (q: Queryable, name: string, exceptId?: string) => nameTaken(q, 'call_centers', name, exceptId);

export async function isCallCenterManager(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'call-center-manager' AND deleted_at IS NULL`, [userId]);
  return rows.length > 0;
}

/** [id, name] of every call centre, for the user form's picker. */
export async function callCenterOptions(q: Queryable): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; name: string; status: string }>(
    'SELECT id, name, status FROM call_centers ORDER BY lower(name), id',
  );
  return rows.map((r) => [r.id, r.status === 'active' ? r.name : `${r.name} (inactive)`]);
}

/** [id, name] of the call-center-managers, for the call centre form. */
export async function managerOptions(q: Queryable): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; full_name: string }>(
    `SELECT id, full_name FROM users WHERE role = 'call-center-manager' AND deleted_at IS NULL ORDER BY lower(full_name), id`,
  );
  return rows.map((r) => [r.id, r.full_name]);
}
