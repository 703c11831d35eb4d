import type { Queryable } from '../../db/database.js';

export interface CallCentreSettings {
  max_attempts: number;
  claim_minutes: number;
  duplicate_window_days: number;
  cancel_reasons: string[];
}

const COLUMNS = 'max_attempts, claim_minutes, duplicate_window_days, cancel_reasons';

/** The deployment's call-centre settings (one row, created by migration 0013). */
export async function readSettings(q: Queryable): Promise<CallCentreSettings> {
  const { rows } = await q.query<CallCentreSettings>(`SELECT ${COLUMNS} FROM call_centre_settings`);
  return rows[0];
}

/** Writes the given settings, keeps the others; answers the whole set. */
export async function writeSettings(q: Queryable, patch: Partial<CallCentreSettings>): Promise<CallCentreSettings> {
  const { rows } = await q.query<CallCentreSettings>(
    `UPDATE call_centre_settings SET
        max_attempts = coalesce($1::int, max_attempts),
        claim_minutes = coalesce($2::int, claim_minutes),
        duplicate_window_days = coalesce($3::int, duplicate_window_days),
        cancel_reasons = coalesce($4::jsonb, cancel_reasons),
        updated_at = now()
      RETURNING ${COLUMNS}`,
    [
      patch.max_attempts ?? null,
      patch.claim_minutes ?? null,
      patch.duplicate_window_days ?? null,
      patch.cancel_reasons ? JSON.stringify([...new Set(patch.cancel_reasons)]) : null, // a reason twice: once
    ],
  );
  return rows[0];
}
