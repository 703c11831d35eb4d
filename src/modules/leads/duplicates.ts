/**
 * Duplicates at intake (call-centre.md), set-based. The CTE `dups` pairs each row of `c` (its
 * `phone_normalized`, its SKUs `skus`) with the earliest lead of `existing` (EXISTING_BY_PHONE) with
 * the same normalised phone and a SKU in common, in one join: looked up row by row, each lead read
 * the whole of `existing` (a 1,000-lead body sent again took 180 ms instead of 80).
 */
export const EXISTING_DUPLICATES = `dups AS MATERIALIZED (
  SELECT DISTINCT ON (c.id) c.id, e.reference
    FROM c JOIN existing e ON e.phone_normalized = c.phone_normalized
   WHERE EXISTS (SELECT 1 FROM lead_lines ll WHERE ll.lead_id = e.id AND ll.sku = ANY(c.skus))
   ORDER BY c.id, e.created_at)`;

/**
 * For the row `c`, `dup.reference`: the existing lead it repeats (`dups`), else, when `c.dup_n`
 * names an earlier item of the same request (`duplicatesWithinRequest`), that item's reference, read
 * from `batch.refs` (the request's references in order). No query per lead.
 */
export const DUPLICATE_OF = `LEFT JOIN dups ON dups.id = c.id
  CROSS JOIN LATERAL (SELECT coalesce(dups.reference, (SELECT refs FROM batch)[c.dup_n]) AS reference) dup`;

/**
 * The CTE `existing` that EXISTING_DUPLICATES reads: the account's (`$1`) open leads created within the
 * settings' `duplicate_window_days` whose phone is one of the request's (`phones`, a parameter), read
 * once per statement through `leads_account_phone`. Looked up row by row in the table instead, a
 * plan made while `leads` had no statistics read the whole table for each lead. One probe per
 * distinct phone (OFFSET 0 keeps the subquery a probe): as `phone_normalized = ANY(phones)`, the
 * prepared plan of a young table used the index for the account alone and read all of its leads
 * (docs/decisions.md, "Plans made on young tables").
 */
export const EXISTING_BY_PHONE = (phones: string) => `existing AS MATERIALIZED (
  SELECT e.* FROM (SELECT DISTINCT unnest(${phones}) AS phone) ph CROSS JOIN LATERAL (
    SELECT l.id, l.reference, l.created_at, l.phone_normalized FROM leads l
     WHERE l.account_id = $1 AND l.phone_normalized = ph.phone AND l.deleted_at IS NULL
       AND l.status IN ('new', 'no_reply', 'call_later')
       AND l.created_at >= now() - make_interval(days => (SELECT duplicate_window_days FROM call_centre_settings))
    OFFSET 0) e)`;

/**
 * Within one request, a later item is a duplicate of the earliest earlier one with the same
 * normalised phone and a SKU in common that is not itself a duplicate of another item (a duplicate
 * is not open: call-centre.md's "by the same rule"): for each item, that item's position (1-based,
 * as the insert's ORDINALITY), or null. Grouped by phone, so a request of different customers is
 * linear (comparing every item with every earlier one in SQL took a 1,000-lead create from 55 to 200 ms).
 */
export function duplicatesWithinRequest(items: { phone: string; skus: string[] }[]): (number | null)[] {
  const openByPhone = new Map<string, { n: number; skus: Set<string> }[]>();
  return items.map((item, i) => {
    const open = openByPhone.get(item.phone) ?? [];
    const first = open.find((e) => item.skus.some((sku) => e.skus.has(sku)));
    if (first) return first.n;
    open.push({ n: i + 1, skus: new Set(item.skus) });
    openByPhone.set(item.phone, open);
    return null;
  });
}
