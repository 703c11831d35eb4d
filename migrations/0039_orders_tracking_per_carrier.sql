-- A tracking number typed when shipping by hand is refused when another order already carries it
-- with the same carrier, case aside (docs/decisions.md, "One tracking number per carrier"): a
-- company's orders of any account, or an account's orders of the platform's own couriers. These
-- indexes keep that lookup off a scan of the orders. Not unique: databases of earlier versions may
-- hold such duplicates, which an upgrade must not fail on; an advisory lock makes the check hold.
CREATE INDEX orders_company_tracking ON orders (shipping_company_id, lower(tracking_number))
  WHERE tracking_number IS NOT NULL AND shipping_company_id IS NOT NULL;
CREATE INDEX orders_own_courier_tracking ON orders (account_id, lower(tracking_number))
  WHERE tracking_number IS NOT NULL AND shipping_company_id IS NULL;
