import { hash, verify, Algorithm } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

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
