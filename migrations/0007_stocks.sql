-- Stock per (product, warehouse), its movement history, and which stock each order line holds.
--
-- Invariants (src/modules/stocks/effects.ts keeps them; the checks below are the safety net):
--   quantity = SUM(stock_histories.change), reserved = SUM(stock_histories.reserved_change);
--   0 <= reserved <= quantity (only what is available can be reserved, and a decrement never goes
--   below the reserved quantity);
--   reserved = SUM(order_lines.quantity) of the lines of live `new` orders whose stock_id is the stock.

CREATE TABLE stocks (
  id               text PRIMARY KEY,
  product_id       text NOT NULL REFERENCES products (id),
  warehouse_id     text NOT NULL REFERENCES warehouses (id),
  quantity         integer NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  reserved         integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  warning_quantity integer NOT NULL DEFAULT 0 CHECK (warning_quantity >= 0),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz,
  CONSTRAINT stocks_reserved_within_quantity CHECK (reserved <= quantity)
);
-- Deleted stocks keep their history; the pair is free again.
CREATE UNIQUE INDEX stocks_product_warehouse ON stocks (product_id, warehouse_id) WHERE deleted_at IS NULL;
CREATE INDEX stocks_warehouse ON stocks (warehouse_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX stocks_created ON stocks (created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- One row per movement: increment/decrement by hand, reserve/release/ship/return by the order lifecycle.
CREATE TABLE stock_histories (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stock_id        text NOT NULL REFERENCES stocks (id),
  reason          text NOT NULL CHECK (reason IN ('increment', 'decrement', 'reserve', 'release', 'ship', 'return')),
  change          integer NOT NULL,
  reserved_change integer NOT NULL DEFAULT 0,
  quantity_after  integer NOT NULL,
  reserved_after  integer NOT NULL,
  order_id        text REFERENCES orders (id),
  comment         text,
  changed_by      text NOT NULL,
  user_id         text REFERENCES users (id),
  token_id        bigint REFERENCES api_tokens (id),
  impersonator_id text REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_histories_stock ON stock_histories (stock_id, id DESC);
CREATE INDEX stock_histories_created ON stock_histories (created_at DESC, id DESC);
CREATE INDEX stock_histories_order ON stock_histories (order_id) WHERE order_id IS NOT NULL;

-- The stock a line's goods are reserved from (order new), left from (shipped, delivered) or came
-- back to (returned); NULL while waiting for stock, once released, or for orders that left before
-- stock was tracked.
ALTER TABLE order_lines ADD COLUMN stock_id text REFERENCES stocks (id);
CREATE INDEX order_lines_stock ON order_lines (stock_id, order_id) WHERE stock_id IS NOT NULL;

-- A new order none of whose lines could be reserved: it cannot ship until a retry reserves them all.
-- Only meaningful while the order is new. Orders that existed before stock was tracked wait.
ALTER TABLE orders ADD COLUMN waiting_for_stock boolean NOT NULL DEFAULT true;
UPDATE orders SET waiting_for_stock = (status = 'new');
CREATE INDEX orders_waiting_for_stock ON orders (created_at, id) WHERE waiting_for_stock AND status = 'new' AND deleted_at IS NULL;
