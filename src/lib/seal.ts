import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under a key derived from APP_KEY and a purpose: how a new token's plaintext crosses
 * the redirect in the (database-stored) session, and how a shipping company's API key is stored,
 * without either ever being written in clear. A secret sealed for one purpose does not open for another.
 */
const keyOf = (appKey: string, purpose: string) => createHash('sha256').update(`${purpose}:${appKey}`).digest();

export function seal(appKey: string, plain: string, purpose = 'one-time-secret'): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(appKey, purpose), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal(appKey: string, sealed: string, purpose = 'one-time-secret'): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(appKey, purpose), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
