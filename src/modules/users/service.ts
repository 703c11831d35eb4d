import type { Queryable } from '../../db/database.js';
import { answerUniqueViolation } from '../../http/errors.js';
import { newId } from '../../lib/ids.js';
import { hashPassword } from './passwords.js';
import type { Role } from '../../core/roles.js';
import type { UserInput } from './schemas.js';

interface NewUser {
  role: Role;
  email: string;
  password: string;
  fullName: string;
  accountId?: string | null;
  phone?: string | null;
}

export async function createUser(q: Queryable, u: NewUser): Promise<{ id: string }> {
  const id = newId();
  await q.query(`INSERT INTO users (id, account_id, role, full_name, email, phone, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    id,
    u.role === 'seller' ? u.accountId : null,
    u.role,
    u.fullName,
    u.email.toLowerCase(),
    u.phone ?? null,
    await hashPassword(u.password),
  ]);
  return { id };
}

export async function findUserByEmail(q: Queryable, email: string) {
  const { rows } = await q.query<{ id: string; role: Role; account_id: string | null; full_name: string; status: string }>(
    'SELECT id, role, account_id, full_name, status FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL',
    [email],
  );
  return rows[0];
}

/** The columns a dashboard form writes, beside the password. */
const WRITABLE = [
  'full_name',
  'email',
  'phone',
  'whatsapp_phone',
  'company',
  'manager_id',
  'call_center_id',
  'salary',
  'products_ids_to_confirm',
  'agent_working_hours',
  'agent_status_handlings',
  'warehouses_ids_to_manage',
  'status',
] as const;
const JSONB = new Set(['products_ids_to_confirm', 'agent_working_hours', 'agent_status_handlings', 'warehouses_ids_to_manage']);
const ARRAY_DEFAULT = (f: string) => (JSONB.has(f) ? [] : null);

export const EMAIL_TAKEN = 'The email has already been taken.';
answerUniqueViolation('users_email_unique', 'email', EMAIL_TAKEN);

/** Inserts a user from a checked form (see checkUserInput); the email taken meanwhile is a 422. */
export async function insertUser(q: Queryable, role: Role, accountId: string | null, input: UserInput): Promise<string> {
  const id = newId();
  const cols = ['id', 'role', 'account_id', 'password_hash'];
  const values: unknown[] = [id, role, role === 'seller' ? accountId : null, await hashPassword(input.password!)];
  for (const f of WRITABLE) {
    if (!(f in input)) continue;
    const v = input[f] ?? ARRAY_DEFAULT(f);
    cols.push(f);
    values.push(f === 'email' ? String(v).toLowerCase() : JSONB.has(f) ? JSON.stringify(v) : v);
  }
  await q.query(`INSERT INTO users (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  return id;
}

/**
 * Writes the fields present in `input` and answers what changed (`{field: [old, new]}`; a new
 * password reads `credentials: 'changed'` and is never logged).
 */
export async function updateUser(
  q: Queryable,
  before: Record<string, unknown> & { id: string },
  input: UserInput,
): Promise<Record<string, unknown>> {
  const sets: string[] = [];
  const values: unknown[] = [before.id];
  const changes: Record<string, unknown> = {};
  for (const f of WRITABLE) {
    if (!(f in input)) continue;
    let v: unknown = input[f] ?? ARRAY_DEFAULT(f);
    if (f === 'email') v = String(v).toLowerCase();
    if (JSON.stringify(v) === JSON.stringify(before[f] ?? ARRAY_DEFAULT(f))) continue;
    changes[f] = [before[f] ?? null, v];
    values.push(JSONB.has(f) ? JSON.stringify(v) : v);
    sets.push(`${f} = $${values.length}`);
  }
  if (input.password) {
    values.push(await hashPassword(input.password));
    sets.push(`password_hash = $${values.length}`);
    changes.credentials = 'changed'; // a new password: never its value
  }
  if (sets.length === 0) return changes;
  await q.query(`UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, values);
  return changes;
}

/** Sets a user's status; returns whether it changed. Sessions are ended by the caller. */
export async function setUserStatus(q: Queryable, id: string, status: 'active' | 'inactive'): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE users SET status = $2, updated_at = now() WHERE id = $1 AND status <> $2', [id, status]);
  return rowCount > 0;
}

/**
 * Removes users: the rows stay (histories and audit name them), inactive and out of every list;
 * their email is free again; their sessions end and their tokens answer 401.
 */
export async function deleteUsers(q: Queryable, ids: string[]): Promise<void> {
  await q.query(
    `UPDATE users SET status = 'inactive', deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[]) AND deleted_at IS NULL`,
    [ids],
  );
  await q.query('DELETE FROM sessions WHERE user_id = ANY($1::text[])', [ids]);
}
