import { hash, verify, Algorithm } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import type { Queryable } from '../../db/database.js';

export const hashPassword = (plain: string) => hash(plain, { algorithm: Algorithm.Argon2id });

/** Hashes imported from the Laravel product are bcrypt: still accepted, and flagged for rehashing. */
export const isLegacyHash = (stored: string) => /^\$2[aby]\$/.test(stored);

export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  try {
    if (isLegacyHash(stored)) return await bcrypt.compare(plain, stored.replace(/^\$2y\$/, '$2b$'));
    return await verify(stored, plain);
  } catch {
    return false;
  }
}

/** The stored hash of a user's password. */
export async function passwordHashOf(q: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [userId]);
  return rows[0]?.password_hash;
}

/** Stores a new hash; a person's own change marks the user updated, a rehash at login (`touch` false) does not. */
export async function storePasswordHash(q: Queryable, userId: string, passwordHash: string, touch = true): Promise<void> {
  await q.query(`UPDATE users SET password_hash = $2${touch ? ', updated_at = now()' : ''} WHERE id = $1`, [userId, passwordHash]);
}
