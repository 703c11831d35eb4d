/**
 * Duplicates at intake (call-centre.md), as a LATERAL join of the set-based insert: for the row
 * `c` (its `phone_normalized`, its SKUs `skus`), the reference of the earliest lead of `existing`
 * (EXISTING_BY_PHONE) with the same normalised phone and a SKU in common; else, when `c.dup_n` names
 * an earlier item of the same request (`duplicatesWithinRequest`), that item's reference, read from
 * `batch.refs` (the request's references in order). No query per lead: one plan for the whole set.
 */
export const DUPLICATE_OF = `LEFT JOIN LATERAL (
  SELECT coalesce(
    (SELECT (array_agg(e.reference ORDER BY e.created_at))[1] FROM existing e
      WHERE e.phone_normalized = c.phone_normalized
        AND EXISTS (SELECT 1 FROM lead_lines ll WHERE ll.lead_id = e.id AND ll.sku = ANY(c.skus))),
    (SELECT refs FROM batch)[c.dup_n]) AS reference
) dup ON true`;

/**
 * The CTE `existing` that DUPLICATE_OF reads: the account's (`$1`) open leads created within the
 * settings' `duplicate_window_days` whose phone is one of the request's (`phones`, a parameter), read
 * once per statement through `leads_account_phone`. Looked up row by row
 * instead, a plan made while `leads` had no statistics read the whole table for each lead.
 */
export const EXISTING_BY_PHONE = (phones: string) => `existing AS MATERIALIZED (
  SELECT l.id, l.reference, l.created_at, l.phone_normalized FROM leads l
   WHERE l.account_id = $1 AND l.phone_normalized = ANY(${phones}) AND l.deleted_at IS NULL
     AND l.status IN ('new', 'no_reply', 'call_later')
     AND l.created_at >= now() - make_interval(days => (SELECT duplicate_window_days FROM call_centre_settings)))`;

/**
 * Within one request, a later item is a duplicate of the earliest earlier one with the same
 * normalised phone and a SKU in common: for each item, that item's position (1-based, as the
 * insert's ORDINALITY), or null. Grouped by phone, so a request of different customers is linear
 * (comparing every item with every earlier one in SQL took a 1,000-lead create from 55 to 200 ms).
 */
export function duplicatesWithinRequest(items: { phone: string; skus: string[] }[]): (number | null)[] {
  const byPhone = new Map<string, { n: number; skus: Set<string> }[]>();
  return items.map((item, i) => {
    const earlier = byPhone.get(item.phone) ?? [];
    const first = earlier.find((e) => item.skus.some((sku) => e.skus.has(sku)));
    earlier.push({ n: i + 1, skus: new Set(item.skus) });
    byPhone.set(item.phone, earlier);
    return first ? first.n : null;
  });
}
