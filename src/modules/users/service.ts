import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { hashPassword } from './passwords.js';
import type { Role } from './roles.js';

export interface NewUser {
  role: Role;
  email: string;
  password: string;
  fullName: string;
  accountId?: string | null;
  phone?: string | null;
}

export async function createUser(q: Queryable, u: NewUser): Promise<{ id: string }> {
  const id = newId();
  await q.query(
    `INSERT INTO users (id, account_id, role, full_name, email, phone, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [id, u.role === 'seller' ? u.accountId : null, u.role, u.fullName, u.email.toLowerCase(), u.phone ?? null, await hashPassword(u.password)],
  );
  return { id };
}

export async function findUserByEmail(q: Queryable, email: string) {
  const { rows } = await q.query<{ id: string; role: Role; account_id: string | null; full_name: string; status: string }>(
    'SELECT id, role, account_id, full_name, status FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return rows[0];
}
