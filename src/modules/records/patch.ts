import { createHash } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { checkDistinct, displayAttribute, ErrorBag, messages, type Validator } from '../../http/validation.js';
import type { Actor } from '../../core/actor.js';
import { checkSkus } from './lines.js';

type ColumnType = 'text' | 'jsonb' | 'numeric' | 'smallint' | 'boolean';

/** A row's fields an update changed: each as [old, new]. */
export type FieldChanges = Record<string, [unknown, unknown]>;

/**
 * Applies partial updates to many rows in one statement: each row's patch is a JSON object, and a
 * column changes only where its key is present (a null clears it). With `compare`, the same
 * statement answers, by row id, those of these columns its patch held whose value it changed, as
 * [old, new] (the old value read from the statement's snapshot, before its own update); rows it
 * changed nothing of are left out.
 */
export async function patchRows(
  q: Queryable,
  table: 'leads' | 'orders',
  columns: Record<string, ColumnType>,
  /** `touched`: changed elsewhere (its lines): `updated_at` moves though no column of `patch` does. */
  items: { id: string; patch: Record<string, unknown>; touched?: boolean }[],
  compare: readonly string[] = [],
): Promise<Map<string, FieldChanges>> {
  const changes = new Map<string, FieldChanges>();
  const changed = items.filter((i) => i.touched || Object.keys(i.patch).length > 0);
  if (changed.length === 0) return changes;
  const sets = Object.entries(columns).map(([col, type]) => {
    const value = type === 'jsonb' ? `c.p->'${col}'` : type === 'text' ? `c.p->>'${col}'` : `(c.p->>'${col}')::${type}`;
    return `${col} = CASE WHEN c.p ? '${col}' THEN ${value} ELSE t.${col} END`;
  });
  // The old row joined by id is read from the statement's snapshot: its values before this update.
  const returning =
    compare.length === 0
      ? ''
      : ` RETURNING t.id, jsonb_build_object(${compare.map((col) => `'${col}', jsonb_build_array(o.${col}, t.${col})`).join(', ')}) AS cmp`;
  const text = `UPDATE ${table} t SET ${sets.join(', ')}, updated_at = now()
       FROM unnest($1::text[], $2::jsonb[]) AS c(id, p)${compare.length === 0 ? '' : ` JOIN ${table} o ON o.id = c.id`}
      WHERE t.id = c.id${returning}`;
  // Prepared once per connection, named by its text (the columns are the caller's constant).
  const name = `patch-rows-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  const { rows } = await q.query<{ id: string; cmp: Record<string, [unknown, unknown]> }>(
    text,
    [changed.map((i) => i.id), changed.map((i) => JSON.stringify(i.patch))],
    { name },
  );
  const patches = new Map(changed.map((i) => [i.id, i.patch]));
  for (const row of rows) {
    const patch = patches.get(row.id)!;
    const diff: FieldChanges = {};
    for (const col of compare) {
      const [was, now] = row.cmp[col];
      if (col in patch && JSON.stringify(was) !== JSON.stringify(now)) diff[col] = [was, now];
    }
    if (Object.keys(diff).length > 0) changes.set(row.id, diff);
  }
  return changes;
}

const NONE: ReadonlySet<string> = new Set();

interface PatchKind<Item extends object, Row> {
  table: 'leads' | 'orders';
  one: Validator<TSchema>;
  bulk: Validator<TSchema>;
  /**
   * The rules of one item that depend on its other fields alone (Laravel's `required_if`: a lead's
   * `callback_at` with `call_later`), errors under `key`: checked with the shape, whether the record
   * exists or not (api-v1.md: 422 before 404). `item` may be anything until the shape errors are thrown.
   */
  needs?: (item: unknown, key: string, bag: ErrorBag) => void;
  /** The account's rows of `references`, locked for the update, by reference. */
  lock: (q: Queryable, accountId: string, references: string[]) => Promise<Map<string, Row>>;
  /** Applies checked items to the locked rows (errors under `keyOf(i)` into `bag`, thrown before anything is written). */
  apply: (
    q: Queryable,
    actor: Actor,
    accountId: string,
    items: Item[],
    locked: Map<string, Row>,
    keyOf: (i: number) => string,
    bag: ErrorBag,
  ) => Promise<void>;
}

/**
 * `PATCH /<records>/{reference}` and `PATCH /<records>` (api-v1.md): the shape, the required fields
 * and the SKUs are reported together, a single patch's 422 before its 404; then `apply`.
 */
export function patchEntries<Item extends { reference: string }, Row>(k: PatchKind<Item, Row>) {
  return {
    /**
     * `bag` may hold the caller's own errors of the request, reported with these; `unreachable`: the
     * references the caller may not reach (a staff token's role), answered as records that do not exist.
     */
    async single(
      q: Queryable,
      actor: Actor,
      accountId: string,
      reference: string,
      body: unknown,
      bag = new ErrorBag(),
      unreachable: ReadonlySet<string> = NONE,
    ): Promise<void> {
      const patch = k.one.check(body, bag) as object;
      k.needs?.(patch, '', bag);
      await checkSkus(q, accountId, [patch], () => '', bag);
      // The lock is the existence check: one round trip. A record that exists has its lifecycle's
      // errors reported with the shape's, as a bulk item's are; one that does not, the 422 first.
      const locked = await k.lock(q, accountId, unreachable.has(reference) ? [] : [reference]);
      if (locked.size === 0) {
        bag.throwIfAny(k.one.schema);
        throw notFound();
      }
      await k.apply(q, actor, accountId, [{ ...patch, reference } as Item], locked, () => '', bag);
    },
    async bulk(q: Queryable, actor: Actor, accountId: string, body: unknown, unreachable: ReadonlySet<string> = NONE): Promise<string[]> {
      const bag = new ErrorBag();
      const value = k.bulk.check(body, bag) as Record<string, unknown>;
      const items = Array.isArray(value[k.table]) ? (value[k.table] as Item[]) : [];
      items.forEach((item, i) => k.needs?.(item, `${k.table}.${i}.`, bag));
      // Until the shape errors are thrown, an item may be anything, even null.
      const references = items.map((i) => i?.reference).filter((r) => typeof r === 'string' && !unreachable.has(r));
      await k.apply(q, actor, accountId, items, await k.lock(q, accountId, references), (i) => `${k.table}.${i}.`, bag);
      return items.map((i) => i.reference);
    },
  };
}

/**
 * The per-item checks of a PATCH against the locked rows, errors under `keyOf(i)`: a known
 * reference, named once; fields only while the record is `open`; a status `transition` allows.
 */
export function checkPatchItems<Row extends { status: string }, Item extends { reference: string; status?: string }>(
  items: Item[],
  locked: Map<string, Row>,
  keyOf: (i: number) => string,
  bag: ErrorBag,
  rules: {
    noun: 'lead' | 'order';
    editable: readonly string[];
    open: (status: string) => boolean;
    /** Why the item's status cannot be set on the row (undefined: it can); more errors may go in `bag`. */
    transition: (row: Row, item: Item, k: string) => string | undefined;
  },
): void {
  // Until the shape errors are thrown, an item may be anything, even null.
  const references = items.map((item) => (typeof item?.reference === 'string' ? item.reference : undefined));
  // The database check runs only on a reference that passed its own rules (Laravel's `exists`).
  const shapeFailed = references.map((_, i) => bag.has(`${keyOf(i)}reference`));
  // Every copy of a repeated reference: two changes of one record, which would win is a guess.
  checkDistinct(bag, (i) => `${keyOf(i)}reference`, references);
  items.forEach((item, i) => {
    const k = keyOf(i);
    const reference = references[i];
    if (reference === undefined) return;
    const key = `${k}reference`;
    const row = locked.get(reference);
    if (!row && !shapeFailed[i]) bag.add(key, messages.invalid(key));
    if (!row) return;
    if (!rules.open(row.status)) {
      for (const f of rules.editable) {
        // `"products": []` is "required" alone (api-v1.md), not also "cannot be changed".
        if (f in item && !bag.failedRequired(`${k}${f}`))
          bag.add(`${k}${f}`, `The ${displayAttribute(`${k}${f}`)} cannot be changed once the ${rules.noun} is ${row.status}.`);
      }
    }
    // A status the field's own rules refused (`in`) is not a move to check: one message, as for a single item.
    if (item.status !== undefined && !bag.has(`${k}status`)) {
      const refused = rules.transition(row, item, k);
      if (refused) bag.add(`${k}status`, refused);
    }
  });
}

/**
 * The references of a DELETE against the locked rows, errors under `keyOf(i)`: unknown ones, and
 * those `refusal` keeps (its message); all or nothing. Answers the ids to delete, each once.
 */
export function deletableIds<Row extends { id: string }>(
  references: string[],
  locked: Map<string, Row>,
  keyOf: (i: number) => string,
  bag: ErrorBag,
  refusal: (row: Row) => string | undefined,
): string[] {
  references.forEach((ref, i) => {
    if (typeof ref !== 'string') return;
    const row = locked.get(ref);
    // The database check runs only on a reference that passed its own rules (Laravel's `exists`).
    const refused = row ? refusal(row) : bag.has(keyOf(i)) ? undefined : messages.invalid(keyOf(i));
    if (refused) bag.add(keyOf(i), refused);
  });
  bag.throwIfAny();
  return [...new Set(references)].map((r) => locked.get(r)!.id);
}
