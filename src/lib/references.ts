import type { Queryable } from '../db/database.js';

const REFERENCE_PREFIX = { lead: 'LD', order: 'ORD', invoice: 'INV', sourcing: 'SRC' } as const;
type ReferenceKind = keyof typeof REFERENCE_PREFIX;

export function formatReference(kind: ReferenceKind, n: number): string {
  return `${REFERENCE_PREFIX[kind]}-${String(n).padStart(5, '0')}`;
}

/**
 * Reserves `count` consecutive references of the account in one statement. The counter row stays
 * locked until the caller's transaction ends, so concurrent writers never share a number.
 */
export async function reserveReferences(q: Queryable, accountId: string, kind: ReferenceKind, count: number): Promise<string[]> {
  const { rows } = await q.query<{ last: number }>(
    `INSERT INTO reference_counters (account_id, kind, last_value) VALUES ($1, $2, $3)
     ON CONFLICT (account_id, kind) DO UPDATE SET last_value = reference_counters.last_value + EXCLUDED.last_value
     RETURNING last_value::int AS last`,
    [accountId, kind, count],
  );
  const first = rows[0].last - count + 1;
  return Array.from({ length: count }, (_, i) => formatReference(kind, first + i));
}
