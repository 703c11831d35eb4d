-- The cash the courier collects for an order (finance.md: its total, plus the delivery fee when the
-- customer pays it), fixed on the order when it leaves for delivery (orders/lifecycle.ts
-- transitionOrders, on `shipped`) and cleared by a renew; the label, the parcel pushed to the
-- courier, the pages, the `delivered` ledger row and the courier's cash read it. It was computed from
-- the fee tables at each use, so a fee changed while an order was on the road gave it another amount.
ALTER TABLE orders ADD COLUMN cod_amount numeric(14, 2);

-- Orders that left before this migration: a delivered one keeps the cash booked at its delivery; the
-- others (on the road, returned) get today's amount (ledger/order-fees.ts COD_AMOUNT, written out).
-- updated_at is left alone: the courier's cash dates a delivered order by it.
UPDATE orders o
   SET cod_amount = coalesce(
         CASE WHEN o.status = 'delivered' THEN o.collected_amount END,
         o.total + CASE WHEN o.is_fees_paid_by_customer THEN coalesce(
           (SELECT f.delivery_fee FROM account_fees f WHERE f.account_id = o.account_id),
           (SELECT sc.delivery_fee FROM shipping_company_cities sc JOIN cities ci ON ci.id = sc.city_id
             WHERE sc.shipping_company_id = o.shipping_company_id AND lower(ci.name) = lower(o.city) LIMIT 1),
           (SELECT f.default_delivery_fee FROM account_fees f WHERE f.account_id = o.account_id), 0) ELSE 0 END)
 WHERE o.status IN ('shipped', 'delivered', 'returned');
