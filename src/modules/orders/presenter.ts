/** The API representation of an order (api-v1.md), built by the database from alias `o`. */
export const ORDER_JSON = `json_build_object(
  'id', o.id, 'reference', o.reference, 'status', o.status,
  'lead_reference', (SELECT l.reference FROM leads l WHERE l.id = o.lead_id),
  'full_name', o.full_name, 'phone', o.phone, 'email', o.email, 'city', o.city, 'area', o.area, 'address', o.address,
  'shipment_way', o.shipment_way, 'is_fees_paid_by_customer', o.is_fees_paid_by_customer, 'total', o.total::float8,
  'products', (SELECT coalesce(json_agg(json_build_object('sku', ol.sku, 'name', ol.name, 'quantity', ol.quantity,
                 'price', ol.price::float8, 'total', (ol.price * ol.quantity)::float8) ORDER BY ol.position), '[]')
               FROM order_lines ol WHERE ol.order_id = o.id),
  'shipping_company', (SELECT sc.name FROM shipping_companies sc WHERE sc.id = o.shipping_company_id), 'tracking_number', o.tracking_number,
  'created_at', iso_utc(o.created_at), 'updated_at', iso_utc(o.updated_at))`;

export const ORDER_HISTORY_JSON = `json_build_object(
  'order_reference', o.reference, 'old_status', h.old_status, 'new_status', h.new_status,
  'changed_by', h.changed_by, 'changed_at', iso_utc(h.created_at), 'comment', h.comment)`;
