/** The API representation of a lead (api-v1.md), built by the database from alias `l`. */
export const LEAD_JSON = `json_build_object(
  'id', l.id, 'reference', l.reference, 'status', l.status, 'full_name', l.full_name, 'phone', l.phone,
  'city', l.city, 'area', l.area, 'address', l.address,
  'products', (SELECT coalesce(json_agg(json_build_object('sku', ll.sku, 'name', ll.name, 'quantity', ll.quantity,
                 'price', ll.price::float8, 'total', (ll.price * ll.quantity)::float8) ORDER BY ll.position), '[]')
               FROM lead_lines ll WHERE ll.lead_id = l.id),
  'total', l.total::float8, 'data', l.data, 'call_attempts', l.call_attempts,
  'callback_at', iso_utc(l.callback_at), 'cancel_reason', l.cancel_reason, 'duplicate_of', l.duplicate_of,
  'order_reference', (SELECT o.reference FROM orders o WHERE o.id = l.order_id),
  'created_at', iso_utc(l.created_at), 'updated_at', iso_utc(l.updated_at))`;

export const LEAD_HISTORY_JSON = `json_build_object(
  'lead_reference', l.reference, 'old_status', h.old_status, 'new_status', h.new_status,
  'changed_by', h.changed_by, 'changed_at', iso_utc(h.created_at), 'comment', h.comment)`;
