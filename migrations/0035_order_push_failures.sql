-- Why a push left an order new (operations.md: "a failure for one order leaves it new with the
-- reason shown"): each order's latest push failure, shown on its page until the order moves.
CREATE TABLE order_push_failures (
  order_id            text PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  shipping_company_id text NOT NULL REFERENCES shipping_companies (id) ON DELETE CASCADE,
  message             text NOT NULL,
  failed_at           timestamptz NOT NULL DEFAULT now()
);
