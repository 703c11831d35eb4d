import type { Queryable } from '../../db/database.js';
import { contains } from '../../db/where.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import type { WebUser } from '../../web/types.js';
import { Where } from '../../db/where.js';
import { isManager } from './policy.js';
import type { Role } from '../../core/roles.js';
import { EXTRA_FIELDS, type UserStatus } from './schemas.js';

/** A user as the dashboard reads it; `presentUser` turns it into the JSON representation. */
export interface UserRow {
  id: string;
  role: Role;
  full_name: string;
  email: string;
  phone: string | null;
  whatsapp_phone: string | null;
  company: string | null;
  status: UserStatus;
  account_id: string | null;
  manager_id: string | null;
  call_center_id: string | null;
  salary: number | null;
  products_ids_to_confirm: string[];
  agent_working_hours: { startTime: string; endTime: string }[];
  agent_status_handlings: string[];
  warehouses_ids_to_manage: string[];
  created_at: string;
  updated_at: string;
  account_name: string | null;
  manager_name: string | null;
  call_center_name: string | null;
}

const COLUMNS = `u.id, u.role, u.full_name, u.email, u.phone, u.whatsapp_phone, u.company, u.status, u.account_id,
  u.manager_id, u.call_center_id, u.salary::float8 AS salary, u.products_ids_to_confirm, u.agent_working_hours, u.agent_status_handlings,
  u.warehouses_ids_to_manage, iso_utc(u.created_at) AS created_at, iso_utc(u.updated_at) AS updated_at,
  a.name AS account_name, m.full_name AS manager_name, cc.name AS call_center_name`;
const FROM =
  'FROM users u LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN users m ON m.id = u.manager_id LEFT JOIN call_centers cc ON cc.id = u.call_center_id';

/** The JSON representation of a user: the common fields and those of its role. */
export function presentUser(u: UserRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: u.id, role: u.role, full_name: u.full_name, email: u.email, phone: u.phone };
  for (const f of EXTRA_FIELDS[u.role]) out[f] = u[f];
  if ('agent_working_hours' in out)
    out.agent_working_hours = u.agent_working_hours.map((h) => ({ startTime: h.startTime, endTime: h.endTime }));
  out.status = u.status;
  out.created_at = u.created_at;
  out.updated_at = u.updated_at;
  return out;
}

/**
 * The rows of `role` that `viewer` may see: everything for the admin, their own account for a
 * seller, every seller and their team (through `manager_id`, and for call-center-managers the
 * people of their call centres) for the managers.
 */
export function visibleUsers(w: Where, viewer: Pick<WebUser, 'id' | 'role' | 'account_id'>, role: Role): Where {
  w.and(`u.role = ${w.param(role)}`).and('u.deleted_at IS NULL');
  if (viewer.role === 'admin') return w;
  if (viewer.role === 'seller') return w.and(`u.account_id = ${w.param(viewer.account_id)}`);
  if (isManager(viewer) && role === 'seller') return w;
  if (isManager(viewer)) {
    const me = w.param(viewer.id);
    // A call-center-manager's people are also those of the call centres they manage (call-centre.md).
    const ofCentres = (managers: string) => `u.call_center_id IN (SELECT cc.id FROM call_centers cc WHERE cc.manager_id IN (${managers}))`;
    if (viewer.role === 'manager-leader') {
      const team = `SELECT t.id FROM users t WHERE t.manager_id = ${me} AND t.deleted_at IS NULL`;
      return w.and(`(u.manager_id = ${me} OR u.manager_id IN (${team}) OR ${ofCentres(team)})`);
    }
    return viewer.role === 'call-center-manager' ? w.and(`(u.manager_id = ${me} OR ${ofCentres(me)})`) : w.and(`u.manager_id = ${me}`);
  }
  return w.and('false');
}

const SORTS: Record<string, string> = { full_name: 'lower(u.full_name)', email: 'lower(u.email)', created_at: 'u.created_at' };
export const USER_SORTS = Object.keys(SORTS);

export async function listUsers(q: Queryable, viewer: WebUser, role: Role, p: ListParams) {
  const w = visibleUsers(new Where(), viewer, role);
  if (p.search) {
    const s = w.param(contains(p.search));
    w.and(`(u.full_name ILIKE ${s} OR u.email ILIKE ${s})`);
  }
  if (p.status) w.and(`u.status = ${w.param(p.status)}`);
  if (typeof p.account_id === 'string') w.and(`u.account_id = ${w.param(p.account_id)}`);
  if (typeof p.manager_id === 'string') w.and(`u.manager_id = ${w.param(p.manager_id)}`);
  return sortedPage<UserRow>(q, {
    select: COLUMNS,
    from: FROM,
    where: w,
    sorts: SORTS,
    defaultSort: 'created_at',
    key: 'u.id',
    list: p,
  });
}

/** One user of `role` that `viewer` may see, or undefined (a 404). */
export async function findUser(q: Queryable, viewer: WebUser, role: Role, id: string): Promise<UserRow | undefined> {
  const w = visibleUsers(new Where(), viewer, role);
  w.and(`u.id = ${w.param(id)}`);
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} ${FROM} ${w}`, w.params);
  return rows[0];
}

/** Any user by id, whatever the role (the admin's "log in as"). */
export async function findUserById(q: Queryable, id: string) {
  const { rows } = await q.query<{
    id: string;
    role: Role;
    full_name: string;
    status: UserStatus;
    usable: boolean;
    account_id: string | null;
  }>(
    `SELECT u.id, u.role, u.full_name, u.status, u.account_id, (u.status = 'active' AND (a.id IS NULL OR a.status = 'active')) AS usable
       FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.id = $1 AND u.deleted_at IS NULL`,
    [id],
  );
  return rows[0];
}

/** How many people of each role `viewer` sees. */
export async function countByRole(
  q: Queryable,
  viewer: WebUser,
  roles: readonly Role[],
): Promise<Record<string, { total: number; active: number }>> {
  const out: Record<string, { total: number; active: number }> = {};
  for (const role of roles) {
    const w = visibleUsers(new Where(), viewer, role);
    const { rows } = await q.query<{ total: number; active: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE u.status = 'active')::int AS active ${FROM} ${w}`,
      w.params,
    );
    out[role] = rows[0];
  }
  return out;
}

/** The people who report to `id` (a manager's page). */
export async function directReports(q: Queryable, id: string) {
  const { rows } = await q.query<{ id: string; role: Role; full_name: string; email: string; status: UserStatus }>(
    `SELECT id, role, full_name, email, status FROM users WHERE manager_id = $1 AND deleted_at IS NULL ORDER BY lower(full_name), id LIMIT 200`,
    [id],
  );
  return rows;
}

/** Pickers of the user form. */
export async function managerOptions(q: Queryable, roles: readonly Role[]) {
  const { rows } = await q.query<{ id: string; full_name: string; role: Role; status: UserStatus }>(
    `SELECT id, full_name, role, status FROM users WHERE role = ANY($1::text[]) AND deleted_at IS NULL ORDER BY lower(full_name), id`,
    [roles],
  );
  return rows;
}

export async function productOptions(q: Queryable) {
  const { rows } = await q.query<{ id: string; sku: string; name: string; account_name: string; status: string }>(
    `SELECT p.id, p.sku, p.name, a.name AS account_name, p.status FROM products p JOIN accounts a ON a.id = p.account_id
      WHERE p.deleted_at IS NULL ORDER BY lower(a.name), lower(p.sku), p.id LIMIT 2000`,
  );
  return rows;
}

export async function warehouseOptions(q: Queryable) {
  const { rows } = await q.query<{ id: string; name: string; city: string | null }>(
    'SELECT id, name, city FROM warehouses ORDER BY lower(name), id',
  );
  return rows;
}

/** Labels of the products and warehouses a user is assigned to (show page). */
export async function assignmentLabels(q: Queryable, u: UserRow) {
  const [products, warehouses] = await Promise.all([
    u.products_ids_to_confirm.length
      ? q.query<{ id: string; sku: string; name: string; account_name: string }>(
          `SELECT p.id, p.sku, p.name, a.name AS account_name FROM products p JOIN accounts a ON a.id = p.account_id
            WHERE p.id = ANY($1::text[]) AND p.deleted_at IS NULL ORDER BY lower(a.name), lower(p.sku)`,
          [u.products_ids_to_confirm],
        )
      : { rows: [] },
    u.warehouses_ids_to_manage.length
      ? q.query<{ id: string; name: string; city: string | null }>(
          'SELECT id, name, city FROM warehouses WHERE id = ANY($1::text[]) ORDER BY lower(name)',
          [u.warehouses_ids_to_manage],
        )
      : { rows: [] },
  ]);
  return { products: products.rows, warehouses: warehouses.rows };
}
