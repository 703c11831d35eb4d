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
 * For the row `c`, `dup.reference`: the existing lead it repeats (`dups`), else, when `walk.dup_n`
 * names an earlier open item of the same request (WALK_WITHIN_REQUEST), that item's reference, read
 * from `batch.refs` (the request's references in order). No query per lead.
 */
export const DUPLICATE_OF = `LEFT JOIN dups ON dups.id = c.id LEFT JOIN walk ON walk.i = c.i
  CROSS JOIN LATERAL (SELECT coalesce(dups.reference, (SELECT refs FROM batch)[walk.dup_n]) AS reference) dup`;

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
 * normalised phone and a SKU in common that is itself open, i.e. neither a duplicate of a lead from
 * before the request (`dups`) nor of an earlier item (call-centre.md's "by the same rule": a
 * duplicate is not open). Whether an item repeats a lead from before the request is only known in
 * the statement, so the request's items are walked there (WALK_WITHIN_REQUEST). For each item, its
 * rank among its phone's items (1-based, in the request's order) when two of them share a SKU, else
 * null: the walk visits only those, one rank per step, so a request of different customers costs
 * nothing and its depth is the most items of one phone. Grouped by phone, so this is linear
 * (comparing every item with every earlier one in SQL took a 1,000-lead create from 55 to 200 ms).
 */
export function walkRanks(items: { phone: string; skus: string[] }[]): (number | null)[] {
  const groups = new Map<string, { at: number[]; skus: Set<string>; shared: boolean }>();
  items.forEach((item, i) => {
    let group = groups.get(item.phone);
    if (!group) groups.set(item.phone, (group = { at: [], skus: new Set(), shared: false }));
    group.at.push(i);
    if (item.skus.some((sku) => group.skus.has(sku))) group.shared = true;
    item.skus.forEach((sku) => group.skus.add(sku));
  });
  const ranks: (number | null)[] = items.map(() => null);
  for (const group of groups.values()) if (group.shared) group.at.forEach((i, rank) => (ranks[i] = rank + 1));
  return ranks;
}

/**
 * The CTE `walk` (the statement's WITH must be RECURSIVE): for each item of `c` with a rank
 * (`c.walk_rank`, walkRanks), `dup_n`, the position (as `c.i`) of the earliest earlier open item of its
 * phone with a SKU in common, or null. Each step takes the next rank of every phone at once,
 * carrying the phone's open SKUs, each with the earliest open item that has it; an item that
 * repeats a lead from before the request (`dups`) or an open item is not open, and adds nothing.
 */
export const WALK_WITHIN_REQUEST = `ranked AS MATERIALIZED (
  SELECT c.i, c.phone_normalized AS phone, c.walk_rank AS rank, c.skus, dups.id IS NOT NULL AS repeats
    FROM c LEFT JOIN dups ON dups.id = c.id WHERE c.walk_rank IS NOT NULL),
  walk(phone, rank, i, dup_n, open_skus, open_ns) AS (
  SELECT x.phone, x.rank, x.i, NULL::bigint,
         CASE WHEN x.repeats THEN '{}'::text[] ELSE x.skus END,
         CASE WHEN x.repeats THEN '{}'::bigint[] ELSE array_fill(x.i, ARRAY[cardinality(x.skus)]) END
    FROM ranked x WHERE x.rank = 1
  UNION ALL
  SELECT x.phone, x.rank, x.i, d.n,
         CASE WHEN x.repeats OR d.n IS NOT NULL THEN w.open_skus ELSE w.open_skus || x.skus END,
         CASE WHEN x.repeats OR d.n IS NOT NULL THEN w.open_ns ELSE w.open_ns || array_fill(x.i, ARRAY[cardinality(x.skus)]) END
    FROM walk w JOIN ranked x ON x.phone = w.phone AND x.rank = w.rank + 1
    CROSS JOIN LATERAL (
      SELECT min(o.n) AS n FROM unnest(w.open_skus, w.open_ns) AS o(sku, n) WHERE NOT x.repeats AND o.sku = ANY(x.skus)) d)`;
