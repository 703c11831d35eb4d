import type { Database } from '../db/database.js';
import { newId } from '../lib/ids.js';
import { createAccount } from '../modules/accounts/service.js';
import type { Role } from '../core/roles.js';
import { createUser } from '../modules/users/service.js';

export const PASSWORD = 'password-123';

export interface Person {
  id: string;
  role: Role;
  email: string;
  fullName: string;
  accountId: string | null;
}

/** A user of `role` (password `password-123`); a seller gets a new account unless one is given. */
export async function person(
  db: Database,
  role: Role,
  opts: { accountId?: string; managerId?: string; fullName?: string } = {},
): Promise<Person> {
  const tag = newId().toLowerCase();
  const accountId = role === 'seller' ? (opts.accountId ?? (await createAccount(db, { name: `Shop ${tag.slice(-6)}` })).id) : null;
  const email = `${role}-${tag}@example.test`;
  const fullName = opts.fullName ?? `${role} ${tag.slice(-5)}`;
  const { id } = await createUser(db, { role, email, password: PASSWORD, fullName, accountId, phone: '0600000000' });
  if (opts.managerId) await db.query('UPDATE users SET manager_id = $2 WHERE id = $1', [id, opts.managerId]);
  return { id, role, email, fullName, accountId };
}
