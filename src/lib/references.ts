import type { Queryable } from '../db/database.js';

const REFERENCE_PREFIX = { lead: 'LD', order: 'ORD', invoice: 'INV', sourcing: 'SRC' } as const;
type ReferenceKind = keyof typeof REFERENCE_PREFIX;

export function formatReference(kind: ReferenceKind, n: number): string {
  return `${REFERENCE_PREFIX[kind]}-${String(n).padStart(5, '0')}`;
}

/** The SQL of formatReference for the number expression `n` (padded to 5 digits, never cut). */
export const REFERENCE_TEXT = (kind: ReferenceKind, n: string) =>
  `'${REFERENCE_PREFIX[kind]}-' || lpad((${n})::text, greatest(5, length((${n})::text)), '0')`;

/**
 * Reserves `count` references of the account in one statement, increasing in the array's order, from
 * the account's own sequence (migration 0011): concurrent writers never wait for each other, and a
 * rolled-back transaction leaves a gap.
 */
export async function reserveReferences(q: Queryable, accountId: string, kind: ReferenceKind, count: number): Promise<string[]> {
  const { rows } = await q.query<{ refs: number[] }>('SELECT reserve_references($1, $2, $3)::int[] AS refs', [accountId, kind, count], {
    name: 'reserve-references',
  });
  return rows[0].refs.map((n) => formatReference(kind, n));
}
