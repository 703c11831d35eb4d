import type { Static, TSchema } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { leadHeldByAnother } from '../../http/errors.js';
import { compile, displayAttribute, ErrorBag, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { linesTotal } from '../../lib/money.js';
import { normalizePhone } from '../../lib/phone.js';
import { REFERENCE_TEXT } from '../../lib/references.js';
import { checkSkus, replaceLines, reportUnknownSkus, skuLines } from '../records/lines.js';
import { activeProductsBySku } from '../products/lookup.js';
import { DUPLICATE_OF, EXISTING_BY_PHONE, EXISTING_DUPLICATES, WALK_WITHIN_REQUEST, walkRanks } from './duplicates.js';
import { recordLeadEvents } from '../events/outbox.js';
import { mayListen } from '../events/listening.js';
import { checkPatchItems, deletableIds, patchEntries, patchRows } from '../records/patch.js';
import type { Actor } from '../../core/actor.js';
import { transitionLeads, type LeadTransition } from './lifecycle.js';
import { lockLeads } from './queries.js';
import { addLineChanges, appendComments } from '../records/history.js';
import { zonedInstant } from '../../lib/time-zone.js';
import { LEAD_FORM_FIELDS, LeadBulkPatchBody, LeadCreateBody, LeadInput, LeadPatch } from './schemas.js';
import { isOpenLead, leadMoveNeeds, leadMoveRefusal, type LeadStatus } from './transitions.js';
import { unassignUnservableLeads } from '../call-centre/agents.js';

const createLeadsBody = compile(LeadCreateBody);
const patchLeadBody = compile(LeadPatch);
const bulkPatchLeadsBody = compile(LeadBulkPatchBody);

export const leadInput = compile(LeadInput);

/** POST /leads: validates the whole body (shape and SKUs together), then writes every lead or none. */
export async function createLeads(q: Queryable, actor: Actor, accountId: string, body: unknown): Promise<string[]> {
  return writeCheckedLeads(q, actor, accountId, checkLeadsBody(body));
}

/** A POST /leads body whose shape was checked: its leads, and its errors in `bag`. */
export interface CheckedLeads {
  items: Static<typeof LeadInput>[];
  bag: ErrorBag;
}

export function checkLeadsBody(body: unknown): CheckedLeads {
  const bag = new ErrorBag();
  const { leads } = createLeadsBody.check(body, bag);
  return { items: Array.isArray(leads) ? leads : [], bag };
}

/** The rest of createLeads: its SKUs checked and its leads written, or its errors thrown. */
export function writeCheckedLeads(q: Queryable, actor: Actor, accountId: string, { items, bag }: CheckedLeads): Promise<string[]> {
  return writeLeads(q, actor, accountId, items, (i) => `leads.${i}.`, bag, LeadCreateBody);
}

/** A hand-made lead: the same rules as an item of POST /leads, its errors keyed as the form's fields. */
export async function createLead(q: Queryable, actor: Actor, accountId: string, input: unknown): Promise<string> {
  const bag = new ErrorBag();
  const lead = leadInput.check(input, bag);
  const [reference] = await writeLeads(q, actor, accountId, [lead], () => '', bag, LeadInput);
  return reference;
}

/**
 * Leads whose shape was checked into `bag`: with shape errors, their SKUs are looked up to be
 * reported with them and nothing is written; otherwise the SKUs are checked by the insert itself,
 * which writes nothing (and draws no reference) unless every one is known.
 */
async function writeLeads(
  q: Queryable,
  actor: Actor,
  accountId: string,
  items: Static<typeof LeadInput>[],
  keyOf: (i: number) => string,
  bag: ErrorBag,
  schema: TSchema,
): Promise<string[]> {
  const lines = skuLines(items, keyOf, bag);
  if (bag.has()) {
    const products = await activeProductsBySku(
      q,
      accountId,
      lines.map((l) => l.sku),
    );
    reportUnknownSkus(lines, products, bag);
    bag.throwIfAny(schema);
  }
  const written = await insertLeads(q, actor, accountId, items);
  if (written.refs) return written.refs;
  reportUnknownSkus(lines, new Set(written.known), bag);
  bag.throwIfAny(schema);
  throw new Error('POST /leads: a SKU was refused but none is reported');
}

/** A create of up to this many leads is small: concurrent ones may share a statement (intake.ts). */
export const SMALL_CREATE = 10;
/** Up to this many leads (four small creates sharing a statement), the insert is prepared (see insertLeads). */
export const PREPARED_CREATE = 4 * SMALL_CREATE;

/**
 * Writes leads (status new, history null → new) in one statement: the SKUs looked up among the
 * account's active products, and only if all are known, the references drawn from the account's
 * sequence, the leads, their lines and their first history rows, set-based. Answers the
 * references in order, or (nothing written) the SKUs found. One round trip whatever the number of
 * leads (the statement-level triggers see every sub-statement's rows). It proves the parents it
 * writes (the account through its products, lines and histories through its own insert, the actor by
 * key) and then spares itself the per-statement parent checks (migration 0027).
 */
export async function insertLeads(
  q: Queryable,
  actor: Actor,
  accountId: string,
  items: Static<typeof LeadInput>[],
): Promise<{ refs: string[] | null; known: string[] | null }> {
  // Without a webhook listening, the insert is the whole write (QueryOptions.last).
  const listening = await mayListen(q, accountId, 'lead.created');
  const ids = items.map(() => newId());
  const phones = items.map((l) => normalizePhone(l.phone));
  const lines: [string[], number[], string[], number[], number[]] = [[], [], [], [], []];
  items.forEach((l, i) =>
    l.products.forEach((line, j) => {
      [ids[i], j, line.sku, line.quantity, line.price].forEach((v, k) => (lines[k] as unknown[]).push(v));
    }),
  );
  // A duplicate (duplicates.ts) is written with status duplicate and the reference it repeats; the CTE
  // of the insert is not named `leads`, which would hide the table from the duplicate look-up.
  const { rows } = await q.query<{ refs: string[] | null; known: string[] | null }>(
    `WITH RECURSIVE p AS MATERIALIZED (
       SELECT id, sku, name FROM products
        WHERE account_id = $1 AND sku = ANY($15::text[]) AND status = 'active' AND deleted_at IS NULL),
     ok AS (SELECT count(DISTINCT sku) = cardinality(ARRAY(SELECT DISTINCT unnest($15::text[]))) AS ok FROM p),
     c AS MATERIALIZED (
       SELECT c.*, c.i AS n, string_to_array(c.sku_list, chr(31)) AS skus, ${REFERENCE_TEXT('lead', 'r.n')} AS reference
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::numeric[],
                     $21::text[], $22::int[])
                WITH ORDINALITY AS c(id, full_name, phone, phone_normalized, city, area, address, data, total, sku_list, walk_rank, i)
         JOIN unnest(reserve_references($1, 'lead', CASE WHEN (SELECT ok FROM ok) THEN $11::int ELSE 0 END))
                WITH ORDINALITY AS r(n, i) USING (i)),
     batch AS MATERIALIZED (SELECT array_agg(reference ORDER BY n) AS refs FROM c),
     ${EXISTING_BY_PHONE('$5::text[]')},
     ${EXISTING_DUPLICATES},
     ${WALK_WITHIN_REQUEST},
     inserted AS (
       INSERT INTO leads (id, account_id, reference, full_name, phone, phone_normalized, city, area, address, data, total, status, duplicate_of)
       SELECT c.id, $1, c.reference, c.full_name, c.phone, c.phone_normalized, c.city, c.area, c.address, c.data, c.total,
              CASE WHEN dup.reference IS NULL THEN 'new' ELSE 'duplicate' END, dup.reference
         FROM c ${DUPLICATE_OF}
        ORDER BY c.i
       RETURNING id, status),
     lines AS (
       INSERT INTO lead_lines (lead_id, position, product_id, sku, name, quantity, price)
       SELECT l.lead_id, l.position, p.id, p.sku, p.name, l.quantity, l.price
         FROM unnest($14::text[], $16::smallint[], $15::text[], $17::int[], $18::numeric[]) AS l(lead_id, position, sku, quantity, price)
         JOIN p ON p.sku = l.sku
         JOIN inserted w ON w.id = l.lead_id
        WHERE (SELECT ok FROM ok)),
     histories AS (
       INSERT INTO lead_histories (account_id, lead_id, old_status, new_status, changed_by, user_id, token_id, impersonator_id)
       SELECT $1, c.id, NULL, w.status, $12, $13, $19, $20 FROM c JOIN inserted w USING (id) ORDER BY c.i)
     SELECT CASE WHEN (SELECT ok FROM ok) THEN (SELECT array_agg(reference ORDER BY i) FROM c) END AS refs,
            (SELECT array_agg(sku) FROM p) AS known,
            set_config('codops.parents_proven', CASE
              WHEN (SELECT ok FROM ok) AND ($13::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $13))
               AND ($19::bigint IS NULL OR EXISTS (SELECT 1 FROM api_tokens WHERE id = $19))
               AND ($20::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $20))
              THEN statement_timestamp()::text ELSE '' END, true) AS parents_proven`,
    [
      accountId,
      ids,
      items.map((l) => l.full_name),
      items.map((l) => l.phone),
      phones,
      items.map((l) => l.city ?? null),
      items.map((l) => l.area ?? null),
      items.map((l) => l.address ?? null),
      items.map((l) => JSON.stringify(l.data ?? [])),
      items.map((l) => linesTotal(l.products)),
      items.length,
      actor.label,
      actor.userId,
      lines[0],
      lines[2],
      lines[1],
      lines[3],
      lines[4],
      actor.tokenId,
      actor.impersonatorId,
      items.map((l) => l.products.map((p) => p.sku).join('\u001f')),
      walkRanks(items.map((l, i) => ({ phone: phones[i], skus: l.products.map((p) => p.sku) }))),
    ],
    // Small creates (the storefronts' path) reuse one prepared plan; bulk ones and imports, which write
    // thousands of rows in one transaction, are planned each time for the table's current size: a
    // plan kept from when `leads` was small read the whole table for each lead's duplicate look-up.
    { name: items.length <= PREPARED_CREATE ? 'insert-leads' : undefined, last: !listening },
  );
  if (rows[0].refs && listening)
    await recordLeadEvents(
      q,
      'lead.created',
      accountId,
      ids.map((id) => ({ id })),
    );
  return { refs: rows[0].refs, known: rows[0].known ?? [] };
}

type PatchItem = Static<typeof LeadPatch> & { reference: string };
type LockedLead = Awaited<ReturnType<typeof lockLeads>> extends Map<string, infer R> ? R : never;

/** The customer's fields whose edits a history row records (with the lines: `products`). */
const RECORDED = ['full_name', 'phone', 'city', 'area', 'address'] as const;

/** What only an open lead may change. */
const EDITABLE = [...LEAD_FORM_FIELDS, 'data'] as const;
const COLUMNS = {
  full_name: 'text',
  phone: 'text',
  phone_normalized: 'text',
  city: 'text',
  area: 'text',
  address: 'text',
  data: 'jsonb',
  total: 'numeric',
} as const;

/**
 * PATCH /leads and /leads/{reference}: fields (while the lead is open) and status, all items
 * checked first, then applied with set-based statements. `keyOf(i)` prefixes error keys.
 */
async function patchLeads(
  q: Queryable,
  actor: Actor,
  accountId: string,
  items: PatchItem[],
  locked: Map<string, LockedLead>,
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<void> {
  // An agent's token, as the agent in the dashboard, leaves alone the leads of another agent's claim or queue.
  if (actor.kind === 'token' && actor.role === 'agent') {
    const another = (id: string | null) => id !== null && id !== actor.userId;
    for (const item of items as (PatchItem | null)[]) {
      const lead = typeof item?.reference === 'string' ? locked.get(item.reference) : undefined;
      if (lead && (another(lead.claimed_by) || another(lead.assigned_to))) throw leadHeldByAnother();
    }
  }
  checkPatchItems(items, locked, keyOf, bag, {
    noun: 'lead',
    editable: EDITABLE,
    open: isOpenLead,
    transition: (lead, item) => leadMoveRefusal(actor, lead.status, item.status as LeadStatus),
  });
  checkReschedules(items, locked, keyOf, bag);
  await checkOriginals(q, accountId, items, locked, keyOf, bag);
  const products = await checkSkus(q, accountId, items, keyOf, bag);
  bag.throwIfAny(keyOf(0) === '' ? LeadPatch : LeadBulkPatchBody);

  const patches = items.map((item) => {
    const patch: Record<string, unknown> = {};
    for (const f of ['full_name', 'phone', 'city', 'area', 'address'] as const) if (f in item) patch[f] = item[f] ?? null;
    if (item.phone) patch.phone_normalized = normalizePhone(item.phone);
    if ('data' in item) patch.data = item.data ?? [];
    if (item.products) patch.total = linesTotal(item.products);
    return { id: locked.get(item.reference)!.id, patch };
  });
  // What the edits changed, for the request's history row (docs/decisions.md, "What an edit of a lead
  // records"): answered by the statements that write them, no round trip of their own.
  const changes = await patchRows(q, 'leads', COLUMNS, patches, RECORDED);
  const relined = items.filter((i) => i.products).map((i) => ({ id: locked.get(i.reference)!.id, products: i.products! }));
  addLineChanges(changes, await replaceLines(q, 'lead_lines', relined, products));
  // A lead assigned to an agent who confirms none of its new products goes back to everyone's queue.
  await unassignUnservableLeads(
    q,
    relined.map((r) => r.id),
  );
  const transitions: LeadTransition[] = items.flatMap((i, n) =>
    i.status === undefined
      ? []
      : [
          {
            id: locked.get(i.reference)!.id,
            from: locked.get(i.reference)!.status,
            to: i.status as LeadStatus,
            callbackAt: i.callback_at ?? null,
            cancelReason: i.cancel_reason ?? null,
            duplicateOf: i.duplicate_of ?? null,
            comment: i.comment ?? null,
            changes: changes.get(locked.get(i.reference)!.id) ?? null,
            key: `${keyOf(n)}products`,
          },
        ],
  );
  await transitionLeads(q, actor, accountId, transitions);
  const rescheduled = items.filter((i) => i.status === undefined && typeof i.callback_at === 'string');
  if (rescheduled.length > 0)
    await q.query(
      `UPDATE leads l SET callback_at = c.at::timestamptz, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS c(id, at) WHERE l.id = c.id`,
      [rescheduled.map((i) => locked.get(i.reference)!.id), rescheduled.map((i) => zonedInstant(i.callback_at!, 'UTC'))],
    );
  await appendComments(q, 'lead_histories', actor, accountId, items, locked, changes);
}

/**
 * `callback_at` without a status reschedules a lead already in call_later (docs/decisions.md); on any
 * other lead it would change nothing, and is refused rather than silently dropped.
 */
function checkReschedules(items: PatchItem[], locked: Map<string, LockedLead>, keyOf: (i: number) => string, bag: ErrorBag) {
  items.forEach((item, i) => {
    const key = `${keyOf(i)}callback_at`;
    if (item?.status !== undefined || item?.callback_at === undefined || bag.has(key)) return;
    const lead = typeof item.reference === 'string' ? locked.get(item.reference) : undefined;
    if (!lead) return;
    // A null (a form's empty field) asks for no callback: refused only where one is kept.
    if (lead.status !== 'call_later') {
      if (item.callback_at !== null)
        bag.add(key, `The ${displayAttribute(key)} field is only allowed with status call_later or while the lead is call_later.`);
    } else if (item.callback_at === null) bag.add(key, messages.required(key));
  });
}

/**
 * A lead marked `duplicate` by hand names the lead it repeats: another live and open lead of the
 * account (domain.md), as it stands after the request's earlier items (two leads marked duplicates of
 * each other would never be called); `The selected duplicate of is invalid.` otherwise, checked only
 * when the reference passed its own rules. The originals are locked (FOR SHARE) until the commit, so
 * a concurrent request cannot close one of them meanwhile.
 */
async function checkOriginals(
  q: Queryable,
  accountId: string,
  items: PatchItem[],
  locked: Map<string, LockedLead>,
  keyOf: (i: number) => string,
  bag: ErrorBag,
) {
  const asked = items.map((item, i) =>
    item?.status === 'duplicate' && typeof item.duplicate_of === 'string' && !bag.has(`${keyOf(i)}duplicate_of`)
      ? item.duplicate_of
      : undefined,
  );
  const wanted = [...new Set(asked.filter((r) => r !== undefined))];
  if (wanted.length === 0) return;
  const { rows } = await q.query<{ reference: string; status: string }>(
    `SELECT reference, status FROM leads WHERE account_id = $1 AND reference = ANY($2::text[]) AND deleted_at IS NULL
      ORDER BY id FOR SHARE`,
    [accountId, wanted],
  );
  const status = new Map(rows.map((r) => [r.reference, r.status]));
  items.forEach((item, i) => {
    const reference = asked[i];
    if (reference !== undefined && (!isOpenLead(status.get(reference) ?? '') || reference === item.reference))
      bag.add(`${keyOf(i)}duplicate_of`, messages.invalid(`${keyOf(i)}duplicate_of`));
    // The item's move, for the items after it (an item that fails fails the whole request anyway).
    if (typeof item?.reference === 'string' && typeof item.status === 'string' && locked.has(item.reference) && status.has(item.reference))
      status.set(item.reference, item.status);
  });
}

/** Single and bulk PATCH; the fields required on create may be left out, not cleared. */
/** What a lead's move needs from the item (callback_at, duplicate_of), a status its own rules refused aside. */
function checkMoveNeeds(item: unknown, k: string, bag: ErrorBag): void {
  const patch = item as Partial<Record<string, unknown>> | null;
  if (typeof patch?.status !== 'string' || bag.has(`${k}status`)) return;
  for (const need of leadMoveNeeds(patch.status as LeadStatus))
    if (!patch[need] && !bag.has(`${k}${need}`)) bag.add(`${k}${need}`, messages.required(`${k}${need}`));
}

const leadPatches = patchEntries<PatchItem, LockedLead>({
  table: 'leads',
  one: patchLeadBody,
  bulk: bulkPatchLeadsBody,
  needs: checkMoveNeeds,
  lock: lockLeads,
  apply: patchLeads,
});
export const patchLead = leadPatches.single;
export const patchLeadsBulk = leadPatches.bulk;

/**
 * DELETE: soft-deletes (the row and its history stay for audit). A confirmed lead cannot go; unknown
 * references answer `keyOf(i)`; all or nothing.
 */
export async function deleteLeads(
  q: Queryable,
  accountId: string,
  references: string[],
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<number> {
  const locked = await lockLeads(
    q,
    accountId,
    references.filter((r) => typeof r === 'string'),
  );
  const ids = deletableIds(references, locked, keyOf, bag, (lead) =>
    lead.status === 'confirmed' ? 'A confirmed lead cannot be deleted.' : undefined,
  );
  await q.query('UPDATE leads SET deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[])', [ids]);
  return ids.length;
}
