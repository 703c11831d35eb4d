import { hash, verify, Algorithm } from '@node-rs/argon2';

export const hashPassword = (plain: string) => hash(plain, { algorithm: Algorithm.Argon2id });

export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}
