import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/database.js';
import type { Scope } from '../../core/scopes.js';
import { isDate, isStorableInstant } from '../../http/validation.js';
import { startOfDayAfter, zonedInstant } from '../../lib/time-zone.js';

/**
 * A key's user and account may use it (`t` the key, `u` its user, `a` its account): both active,
 * and a seller's key only in their own account. The bearer refuses the others (401); the API keys
 * list calls them "User inactive".
 */
export const HOLDER_ACTIVE = `(u.status = 'active' AND a.status = 'active' AND (u.role <> 'seller' OR u.account_id = t.account_id))`;

/**
 * When a token given `expires_at` expires: a bare date means the whole of that day in the platform's
 * zone `tz`, as the dashboard's list filters read it; a date-time is that instant (read in `tz` when
 * written without a zone). Undefined when it is no date (Laravel's `date`: 2027-02-30 is none) or
 * its instant falls outside years 1–9999 in UTC (isStorableInstant).
 * The dashboard and the CLI read it here.
 */
export function tokenExpiry(text: string, tz: string): Date | undefined {
  if (!isDate(text)) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? startOfDayAfter(text, tz).getTime() - 1 : Date.parse(zonedInstant(text, tz));
  return isStorableInstant(at) ? new Date(at) : undefined;
}

/** Only this digest of a token's secret is stored. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses `<id>|<secret>` (the Sanctum shape). */
export function parseToken(plain: string): { id: number; secret: string } | undefined {
  const m = /^(\d{1,18})\|([A-Za-z0-9]{20,200})$/.exec(plain);
  if (!m) return undefined;
  return { id: Number(m[1]), secret: m[2] };
}

interface NewToken {
  userId: string;
  accountId: string;
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
}

export async function createToken(q: Queryable, t: NewToken): Promise<{ id: number; token: string }> {
  const secret = randomBytes(24).toString('hex');
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO api_tokens (user_id, account_id, name, secret_hash, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id::int AS id`,
    [t.userId, t.accountId, t.name, hashSecret(secret), t.scopes, t.expiresAt],
  );
  return { id: rows[0].id, token: `${rows[0].id}|${secret}` };
}

/** Revokes at once: processes holding the token in cache hear of it through the auth-change trigger. */
export async function revokeToken(q: Queryable, id: number, accountId?: string): Promise<boolean> {
  const r = await q.query(
    `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR account_id = $2)`,
    [id, accountId ?? null],
  );
  return r.rowCount > 0;
}
