import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import type { WebUser } from '../../web/types.js';

export interface ProfileRow {
  id: string;
  role: WebUser['role'];
  account_id: string | null;
  full_name: string;
  email: string;
  phone: string | null;
  whatsapp_phone: string | null;
  company: string | null;
  hide_money: boolean;
  picture_path: string | null;
  account_name: string | null;
  created_at: Date;
}

/** The signed-in user's own profile, with their account's name. */
export async function loadProfile(q: Queryable, userId: string): Promise<ProfileRow> {
  const { rows } = await q.query<ProfileRow>(
    `SELECT u.id, u.role, u.account_id, u.full_name, u.email, u.phone, u.whatsapp_phone, u.company, u.hide_money, u.picture_path,
            u.created_at, a.name AS account_name
       FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.id = $1`,
    [userId],
  );
  if (!rows[0]) throw notFound();
  return rows[0];
}
