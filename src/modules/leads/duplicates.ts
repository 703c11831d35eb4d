/**
 * Duplicates at intake (call-centre.md), as a LATERAL join of the set-based insert: for the row
 * `c` (its `phone_normalized`, its SKUs `skus` and its place `n` in the request), the reference of
 * the earliest open lead of the account (`$1`) created within the settings' `duplicate_window_days`
 * with the same normalised phone and a SKU in common, else of the earliest earlier item of the same
 * request by that rule (`batch`: the request's rows). No query per lead: one plan for the whole set,
 * through `leads_account_phone`.
 */
export const DUPLICATE_OF = `LEFT JOIN LATERAL (
  SELECT d.reference FROM (
    SELECT l.reference, l.created_at, 0::bigint AS n
      FROM leads l
     WHERE l.account_id = $1 AND l.phone_normalized = c.phone_normalized AND l.deleted_at IS NULL
       AND l.status IN ('new', 'no_reply', 'call_later')
       AND l.created_at >= now() - make_interval(days => (SELECT duplicate_window_days FROM call_centre_settings))
       AND EXISTS (SELECT 1 FROM lead_lines ll WHERE ll.lead_id = l.id AND ll.sku = ANY(c.skus))
    UNION ALL
    SELECT e.reference, now(), e.n FROM batch e
     WHERE e.n < c.n AND e.phone_normalized = c.phone_normalized AND e.skus && c.skus
  ) d ORDER BY d.created_at, d.n LIMIT 1
) dup ON true`;
