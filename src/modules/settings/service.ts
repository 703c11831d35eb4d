import type { Queryable } from '../../db/database.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';

type ProfileChanges = {
  full_name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  company: string | null;
  hide_money: boolean;
  /** 'replaced', 'removed', or unchanged */
  picture: string | undefined;
};

/** Writes a user's own profile and audits what was asked. */
export async function saveProfile(q: Queryable, user: WebUser, changes: ProfileChanges, picturePath: string | null): Promise<void> {
  await q.query(
    `UPDATE users SET full_name = $2, phone = $3, whatsapp_phone = $4, company = $5, hide_money = $6, picture_path = $7, updated_at = now()
      WHERE id = $1`,
    [user.id, changes.full_name, changes.phone, changes.whatsapp_phone, changes.company, changes.hide_money, picturePath],
  );
  await audit(q, user, 'users.update_profile', { type: 'user', id: user.id, accountId: user.account_id }, changes);
}
