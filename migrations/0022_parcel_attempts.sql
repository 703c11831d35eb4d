-- The courier parcels an order has used up (shipped under by a push, or cancelled after the move to
-- shipped was refused): the next push asks for parcel n + 1, under Idempotency-Key `<order id>` for
-- the first and `<order id>-<n + 1>` after, so a renewed order gets a fresh parcel, not its old one.
-- Orders shipped before this column existed count each time they were shipped.
ALTER TABLE orders ADD COLUMN parcel_attempts integer NOT NULL DEFAULT 0;
UPDATE orders o SET parcel_attempts = h.n
  FROM (SELECT order_id, count(*)::int AS n FROM order_histories WHERE new_status = 'shipped' GROUP BY order_id) h
 WHERE o.id = h.order_id;
