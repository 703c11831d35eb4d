import type { Queryable } from '../../db/database.js';

/** An export's download record, written once its file is whole. */
export async function recordExport(q: Queryable, e: { id: string; userId: string; fileKey: string; rows: number; days: number }) {
  await q.query(
    `INSERT INTO exports (id, user_id, file_key, rows, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))
     ON CONFLICT (id) DO UPDATE SET file_key = EXCLUDED.file_key, rows = EXCLUDED.rows, expires_at = EXCLUDED.expires_at`,
    [e.id, e.userId, e.fileKey, e.rows, e.days],
  );
}

/** An export that has not expired, and who asked for it; undefined for an unknown or malformed id. */
export async function findExport(q: Queryable, id: string): Promise<{ user_id: string; file_key: string } | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const { rows } = await q.query<{ user_id: string; file_key: string }>(
    'SELECT user_id, file_key FROM exports WHERE id = $1 AND expires_at > now()',
    [id],
  );
  return rows[0];
}

export async function expiredExports(q: Queryable, limit: number): Promise<{ id: string; file_key: string }[]> {
  const { rows } = await q.query<{ id: string; file_key: string }>(
    'SELECT id, file_key FROM exports WHERE expires_at <= now() ORDER BY expires_at LIMIT $1',
    [limit],
  );
  return rows;
}

export async function deleteExports(q: Queryable, ids: string[]): Promise<void> {
  await q.query('DELETE FROM exports WHERE id = ANY($1::uuid[])', [ids]);
}
