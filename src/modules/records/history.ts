import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';

/**
 * For the dashboard's timelines and lists: who was logged in as the user a history row names
 * (domain.md: a change made while impersonating records both people). The API's `changed_by` stays
 * the user's name alone, as api-v1.md quotes it.
 */
export const IMPERSONATOR = '(SELECT iu.full_name FROM users iu WHERE iu.id = h.impersonator_id)';

/** A history JSON expression with the impersonator's name added as `impersonated_by`. */
export const withImpersonator = (json: string) => `(${json})::jsonb || jsonb_build_object('impersonated_by', ${IMPERSONATOR})`;

/**
 * What a request changed of a lead or an order besides its status (docs/decisions.md, "What an edit of
 * a lead records", "What an edit of an order records"): each field it changed as [old, new], its
 * lines as `products`: [old lines, new lines].
 */
export type HistoryChanges = Record<string, [unknown, unknown]>;

/** Adds each record's changed lines (replaceLines) to what its request changed, as `products`. */
export function addLineChanges(changes: Map<string, HistoryChanges>, lines: Map<string, [unknown, unknown]>): void {
  for (const [id, pair] of lines) changes.set(id, { ...changes.get(id), products: pair });
}

/** A history's `changes` for the dashboard's timelines and lists (only there: the API's history items stay as api-v1.md quotes them). */
export const withChanges = (json: string) =>
  `(${json})::jsonb || CASE WHEN h.changes IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('changes', h.changes) END`;

/**
 * A lead history's `without_status` (migration 0045) for the dashboard's timelines and lists, true on
 * the row of a request that set no status (a comment alone), so that it does not read as another call.
 */
export const withoutStatus = (json: string) =>
  `(${json})::jsonb || CASE WHEN h.without_status THEN jsonb_build_object('without_status', true) ELSE '{}'::jsonb END`;

export interface HistoryRow {
  id: string;
  from: string | null;
  to: string;
  comment: string | null;
  changes?: HistoryChanges | null;
}

/** How a statement's rows were asked for: `withoutStatus`, by a request that set no status (appendComments). */
interface AppendOptions {
  withoutStatus?: boolean;
}

/**
 * Appends status-history rows for many leads or orders in one statement; `changes` is written only
 * when a row has some (the statement of a request without field edits is the one it always was).
 * The statement proves its rows' parents (migrations 0027, 0044: docs/decisions.md, "A create
 * proves its parents"): each record is a row of `accountId`, and the acting user, token and
 * impersonator exist; the insert's per-statement parent check then stands aside, and runs (naming
 * what is missing) when a probe fails.
 */
export async function appendHistories(
  q: Queryable,
  table: 'lead_histories' | 'order_histories',
  actor: Actor,
  accountId: string,
  rows: HistoryRow[],
  opts: AppendOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const [fk, parent] = table === 'lead_histories' ? ['lead_id', 'leads'] : ['order_id', 'orders'];
  const changes = rows.some((r) => r.changes) ? rows.map((r) => (r.changes ? JSON.stringify(r.changes) : null)) : undefined;
  // Only a lead's rows say so (migration 0045): an order has no status that repeats as a move.
  const withoutStatus = opts.withoutStatus && table === 'lead_histories';
  const text = `WITH c AS (SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]${changes ? ', $10::jsonb[]' : ''})
                  AS c(id, old_status, new_status, comment${changes ? ', changes' : ''})),
     written AS (
       INSERT INTO ${table} (account_id, ${fk}, old_status, new_status, comment, changed_by, user_id, token_id, impersonator_id${changes ? ', changes' : ''}${withoutStatus ? ', without_status' : ''})
       SELECT $1, c.id, c.old_status, c.new_status, c.comment, $6, $7, $8, $9${changes ? ', c.changes' : ''}${withoutStatus ? ', true' : ''} FROM c)
     SELECT set_config('codops.parents_proven', CASE
              WHEN NOT EXISTS (SELECT 1 FROM c WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.id = c.id AND p.account_id = $1))
               AND EXISTS (SELECT 1 FROM accounts WHERE id = $1)
               AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $7))
               AND ($8::bigint IS NULL OR EXISTS (SELECT 1 FROM api_tokens WHERE id = $8))
               AND ($9::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $9))
              THEN statement_timestamp()::text ELSE '' END, true) AS parents_proven`;
  await q.query(
    text,
    [
      accountId,
      rows.map((r) => r.id),
      rows.map((r) => r.from),
      rows.map((r) => r.to),
      rows.map((r) => r.comment),
      actor.label,
      actor.userId,
      actor.tokenId,
      actor.impersonatorId,
      ...(changes ? [changes] : []),
    ],
    { name: `append-${table}${changes ? '-changes' : ''}${withoutStatus ? '-without-status' : ''}` },
  );
}

/** The first history row of new leads or orders: null → new. */
export const appendCreated = (q: Queryable, table: 'lead_histories' | 'order_histories', actor: Actor, accountId: string, ids: string[]) =>
  appendHistories(
    q,
    table,
    actor,
    accountId,
    ids.map((id) => ({ id, from: null, to: 'new', comment: null })),
  );

/**
 * Comments sent without a status (api-v1.md: "kept on the history row"), and field edits sent without
 * one (`changes`, by record id: docs/decisions.md, "What an edit of a lead records"): each request's
 * on one row whose old and new status are the record's current one (docs/decisions.md). No move, so
 * no call, event or stock; readers that count moves skip these rows (`old_status IS DISTINCT FROM
 * new_status`), and a lead's says it set no status (`without_status`, migration 0045: a comment on a
 * `no_reply` lead is no call). `items` are a PATCH's, `locked` the records they name, by reference.
 */
export const appendComments = (
  q: Queryable,
  table: 'lead_histories' | 'order_histories',
  actor: Actor,
  accountId: string,
  items: { reference: string; status?: unknown; comment?: string | null }[],
  locked: Map<string, { id: string; status: string }>,
  changes: Map<string, HistoryChanges> = new Map(),
) =>
  appendHistories(
    q,
    table,
    actor,
    accountId,
    items
      .filter((i) => i.status === undefined)
      .map((i) => {
        const row = locked.get(i.reference)!;
        const comment = typeof i.comment === 'string' ? i.comment : null;
        return { id: row.id, from: row.status, to: row.status, comment, changes: changes.get(row.id) ?? null };
      })
      .filter((r) => r.comment !== null || r.changes !== null),
    { withoutStatus: true },
  );
