import type { TSchema } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages, type Validator } from '../../http/validation.js';
import type { Actor } from '../users/actor.js';
import { checkSkus } from './lines.js';

export type ColumnType = 'text' | 'jsonb' | 'numeric' | 'smallint' | 'boolean';

/**
 * Applies partial updates to many rows in one statement: each row's patch is a JSON object, and a
 * column changes only where its key is present (a null clears it).
 */
export async function patchRows(
  q: Queryable,
  table: 'leads' | 'orders',
  columns: Record<string, ColumnType>,
  items: { id: string; patch: Record<string, unknown> }[],
): Promise<void> {
  const changed = items.filter((i) => Object.keys(i.patch).length > 0);
  if (changed.length === 0) return;
  const sets = Object.entries(columns).map(([col, type]) => {
    const value = type === 'jsonb' ? `c.p->'${col}'` : type === 'text' ? `c.p->>'${col}'` : `(c.p->>'${col}')::${type}`;
    return `${col} = CASE WHEN c.p ? '${col}' THEN ${value} ELSE t.${col} END`;
  });
  await q.query(
    `UPDATE ${table} t SET ${sets.join(', ')}, updated_at = now()
       FROM unnest($1::text[], $2::jsonb[]) AS c(id, p) WHERE t.id = c.id`,
    [changed.map((i) => i.id), changed.map((i) => JSON.stringify(i.patch))],
  );
}

export interface PatchKind<Item extends object> {
  table: 'leads' | 'orders';
  one: Validator<TSchema>;
  bulk: Validator<TSchema>;
  /** Fields required on create: a patch may leave them out, not clear them ("" or null is refused). */
  required: readonly string[];
  /** Applies checked items (errors under `keyOf(i)` into `bag`, thrown before anything is written). */
  apply: (q: Queryable, actor: Actor, accountId: string, items: Item[], keyOf: (i: number) => string, bag: ErrorBag) => Promise<void>;
}

/**
 * `PATCH /<records>/{reference}` and `PATCH /<records>` (api-v1.md): the shape, the required fields
 * and the SKUs are reported together, a single patch's 422 before its 404; then `apply`.
 */
export function patchEntries<Item extends { reference: string }>(k: PatchKind<Item>) {
  /** Normalising drops a sent empty string or null; such a field is refused, not silently kept. */
  const requireSent = (raw: unknown, item: object, prefix: string, bag: ErrorBag) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
    for (const f of k.required) if (f in raw && !(f in item)) bag.add(`${prefix}${f}`, messages.required(`${prefix}${f}`));
  };
  return {
    async single(q: Queryable, actor: Actor, accountId: string, reference: string, body: unknown): Promise<void> {
      const bag = new ErrorBag();
      const patch = k.one.check(body, bag) as object;
      requireSent(body, patch, '', bag);
      await checkSkus(q, accountId, [patch], () => '', bag);
      bag.throwIfAny(k.one.schema);
      const exists = await q.query(`SELECT 1 FROM ${k.table} WHERE account_id = $1 AND reference = $2 AND deleted_at IS NULL`, [
        accountId,
        reference,
      ]);
      if (exists.rows.length === 0) throw notFound();
      await k.apply(q, actor, accountId, [{ ...patch, reference } as Item], () => '', bag);
    },
    async bulk(q: Queryable, actor: Actor, accountId: string, body: unknown): Promise<string[]> {
      const bag = new ErrorBag();
      const value = k.bulk.check(body, bag) as Record<string, unknown>;
      const items = Array.isArray(value[k.table]) ? (value[k.table] as Item[]) : [];
      const raw = (body as Record<string, unknown> | null)?.[k.table];
      if (Array.isArray(raw)) items.forEach((item, i) => requireSent(raw[i], item, `${k.table}.${i}.`, bag));
      await k.apply(q, actor, accountId, items, (i) => `${k.table}.${i}.`, bag);
      return items.map((i) => i.reference);
    },
  };
}
