import { isManager } from '../users/policy.js';
import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { sortedPage } from '../../db/paging.js';
import { contains, Where } from '../../db/where.js';
import type { ListParams } from '../../web/list-query.js';
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

const AGENTS = `(SELECT count(*)::int FROM users u WHERE u.call_center_id = cc.id AND u.role = 'agent' AND u.deleted_at IS NULL)`;
const JSON_EXPR = `json_build_object('id', cc.id, 'name', cc.name, 'manager_id', cc.manager_id, 'manager', m.full_name,
  'status', cc.status, 'agents', ${AGENTS},
  'created_at', iso_utc(cc.created_at), 'updated_at', iso_utc(cc.updated_at))`;
const FROM = 'FROM call_centers cc LEFT JOIN users m ON m.id = cc.manager_id';

/**
 * The call centres an actor sees (domain.md: managers "V (own)"): admins all; a call-center-manager
 * those they manage; every manager role the centres they or their team belong to (the team of
 * their user pages: a manager's agents, a manager leader's managers and their agents) and, for a
 * manager leader, the centres their call-center-managers manage.
 */
function scoped(actor: Actor | null): Where {
  const w = new Where();
  if (!actor || actor.role === 'admin' || !isManager(actor)) return w;
  const me = w.param(actor.userId);
  const team = `SELECT t.id FROM users t WHERE t.manager_id = ${me} AND t.deleted_at IS NULL`;
  const people = `u.id = ${me} OR u.manager_id = ${me}${actor.role === 'manager-leader' ? ` OR u.manager_id IN (${team})` : ''}`;
  const theirs = `cc.id IN (SELECT u.call_center_id FROM users u WHERE (${people}) AND u.deleted_at IS NULL AND u.call_center_id IS NOT NULL)`;
  if (actor.role === 'call-center-manager') w.and(`(cc.manager_id = ${me} OR ${theirs})`);
  else if (actor.role === 'manager-leader') w.and(`(${theirs} OR cc.manager_id IN (${team}))`);
  else w.and(theirs);
  return w;
}

const SORTS: Record<string, string> = {
  name: 'lower(cc.name)',
  manager: 'lower(m.full_name)',
  agents: AGENTS,
  status: 'cc.status',
  created_at: 'cc.created_at',
};
export const CALL_CENTER_SORTS = Object.keys(SORTS);

export interface CallCenterRow {
  data: CallCenterJson;
}

/**
 * One page of the call centres `actor` sees: search by name or manager's name, status and
 * manager filters. A few dozen rows at most, so every sort reads the table.
 */
export function listCallCenters(q: Queryable, actor: Actor, p: ListParams & { manager_id?: string }) {
  const w = scoped(actor);
  if (p.search) {
    const like = w.param(contains(p.search));
    w.and(`(cc.name ILIKE ${like} OR m.full_name ILIKE ${like})`);
  }
  if (p.status) w.and(`cc.status = ${w.param(p.status)}`);
  if (p.manager_id) w.and(`cc.manager_id = ${w.param(p.manager_id)}`);
  return sortedPage<CallCenterRow>(q, {
    select: `${JSON_EXPR} AS data`,
    from: FROM,
    where: w,
    sorts: SORTS,
    defaultSort: 'name',
    key: 'cc.id',
    list: p,
  });
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
