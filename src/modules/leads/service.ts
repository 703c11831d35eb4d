import type { Static } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { compile, ErrorBag, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { linesTotal } from '../../lib/money.js';
import { normalizePhone } from '../../lib/phone.js';
import { reserveReferences } from '../../lib/references.js';
import { appendHistories } from '../records/history.js';
import { DUPLICATE_OF } from './duplicates.js';
import { checkSkus, insertLines } from '../records/lines.js';
import { checkPatchItems, deletableIds, patchEntries, patchRows } from '../records/patch.js';
import type { Actor } from '../../core/actor.js';
import { transitionLeads, type LeadTransition } from './lifecycle.js';
import { lockLeads } from './queries.js';
import { LEAD_FORM_FIELDS, LeadBulkPatchBody, LeadCreateBody, LeadInput, LeadPatch } from './schemas.js';
import type { ProductRef } from '../products/lookup.js';
import { isOpenLead, leadMoveNeeds, leadMoveRefusal, type LeadStatus } from './transitions.js';

const createLeadsBody = compile(LeadCreateBody);
const patchLeadBody = compile(LeadPatch);
const bulkPatchLeadsBody = compile(LeadBulkPatchBody);

export const leadInput = compile(LeadInput);

/** POST /leads: validates the whole body (shape and SKUs together), then writes every lead or none. */
export async function createLeads(q: Queryable, actor: Actor, accountId: string, body: unknown): Promise<string[]> {
  const bag = new ErrorBag();
  const { leads } = createLeadsBody.check(body, bag);
  const items = Array.isArray(leads) ? leads : [];
  const products = await checkSkus(q, accountId, items, (i) => `leads.${i}.`, bag);
  bag.throwIfAny(LeadCreateBody);
  return insertLeads(q, actor, accountId, items, products);
}

/** A hand-made lead: the same rules as an item of POST /leads, its errors keyed as the form's fields. */
export async function createLead(q: Queryable, actor: Actor, accountId: string, input: unknown): Promise<string> {
  const bag = new ErrorBag();
  const lead = leadInput.check(input, bag);
  const products = await checkSkus(q, accountId, [lead], () => '', bag);
  bag.throwIfAny(LeadInput);
  const [reference] = await insertLeads(q, actor, accountId, [lead], products);
  return reference;
}

/** Writes checked leads (status new, history null → new) with set-based inserts; answers their references in order. */
async function insertLeads(
  q: Queryable,
  actor: Actor,
  accountId: string,
  items: Static<typeof LeadInput>[],
  products: Map<string, ProductRef>,
): Promise<string[]> {
  const refs = await reserveReferences(q, accountId, 'lead', items.length);
  const ids = items.map(() => newId());
  // A duplicate (duplicates.ts) is written with status duplicate and the reference it repeats.
  const { rows: written } = await q.query<{ id: string; status: 'new' | 'duplicate' }>(
    `WITH batch AS (
       SELECT b.*, string_to_array(b.sku_list, chr(31)) AS skus
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::jsonb[], $11::numeric[], $12::text[]) WITH ORDINALITY
           AS b(id, reference, full_name, phone, phone_normalized, city, area, address, data, total, sku_list, n))
     INSERT INTO leads (id, account_id, reference, full_name, phone, phone_normalized, city, area, address, data, total, status, duplicate_of)
     SELECT c.id, $1, c.reference, c.full_name, c.phone, c.phone_normalized, c.city, c.area, c.address, c.data, c.total,
            CASE WHEN dup.reference IS NULL THEN 'new' ELSE 'duplicate' END, dup.reference
       FROM batch c ${DUPLICATE_OF}
      ORDER BY c.n
     RETURNING id, status`,
    [
      accountId,
      ids,
      refs,
      items.map((l) => l.full_name),
      items.map((l) => l.phone),
      items.map((l) => normalizePhone(l.phone)),
      items.map((l) => l.city ?? null),
      items.map((l) => l.area ?? null),
      items.map((l) => l.address ?? null),
      items.map((l) => JSON.stringify(l.data ?? [])),
      items.map((l) => linesTotal(l.products)),
      items.map((l) => l.products.map((p) => p.sku).join('\u001f')),
    ],
  );
  await insertLines(
    q,
    'lead_lines',
    items.map((l, i) => ({ id: ids[i], products: l.products })),
    products,
  );
  await appendHistories(
    q,
    'lead_histories',
    actor,
    accountId,
    written.map((w) => ({ id: w.id, from: null, to: w.status, comment: null })),
  );
  return refs;
}

type PatchItem = Static<typeof LeadPatch> & { reference: string };

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
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<void> {
  const locked = await lockLeads(
    q,
    accountId,
    // Until the shape errors are thrown, an item may be anything, even null.
    items.map((i) => i?.reference).filter((r) => typeof r === 'string'),
  );
  checkPatchItems(items, locked, keyOf, bag, {
    noun: 'lead',
    editable: EDITABLE,
    open: isOpenLead,
    transition: (lead, item, k) => {
      const to = item.status as LeadStatus;
      if (leadMoveNeeds(to).includes('callback_at') && !item.callback_at) {
        bag.add(`${k}callback_at`, messages.required(`${k}callback_at`));
      }
      return leadMoveRefusal(actor, lead.status, to);
    },
  });
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
  await patchRows(q, 'leads', COLUMNS, patches);
  const relined = items.filter((i) => i.products).map((i) => ({ id: locked.get(i.reference)!.id, products: i.products! }));
  if (relined.length > 0) {
    await q.query('DELETE FROM lead_lines WHERE lead_id = ANY($1::text[])', [relined.map((r) => r.id)]);
    await insertLines(q, 'lead_lines', relined, products);
  }
  const transitions: LeadTransition[] = items
    .filter((i) => i.status !== undefined)
    .map((i) => ({
      id: locked.get(i.reference)!.id,
      from: locked.get(i.reference)!.status,
      to: i.status as LeadStatus,
      callbackAt: i.callback_at ?? null,
      cancelReason: i.cancel_reason ?? null,
      comment: i.comment ?? null,
    }));
  await transitionLeads(q, actor, accountId, transitions);
}

/** Single and bulk PATCH; the fields required on create may be left out, not cleared. */
const leadPatches = patchEntries<PatchItem>({
  table: 'leads',
  one: patchLeadBody,
  bulk: bulkPatchLeadsBody,
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
