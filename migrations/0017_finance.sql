-- Finance (finance.md): fee tables per account, the ledger (balance_histories), payouts
-- ("invoices"), payment details and courier cash (remittances).

-- An account's fees; an account without a row pays the defaults (all 0).
CREATE TABLE account_fees (
  account_id           text PRIMARY KEY REFERENCES accounts (id),
  confirmation_fee     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (confirmation_fee BETWEEN 0 AND 99999),
  fulfilment_fee       numeric(12, 2) NOT NULL DEFAULT 0 CHECK (fulfilment_fee BETWEEN 0 AND 99999),
  default_delivery_fee numeric(12, 2) NOT NULL DEFAULT 0 CHECK (default_delivery_fee BETWEEN 0 AND 99999),
  default_return_fee   numeric(12, 2) NOT NULL DEFAULT 0 CHECK (default_return_fee BETWEEN 0 AND 99999),
  cod_percent          numeric(5, 2) NOT NULL DEFAULT 0 CHECK (cod_percent BETWEEN 0 AND 100),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The account's running balance: the one row every ledger write locks (FOR UPDATE), so an
-- account's rows get their balance_after in order and two payouts never overdraw it. It always
-- equals the last balance_after (and the sum of the account's rows).
CREATE TABLE account_balances (
  account_id text PRIMARY KEY REFERENCES accounts (id),
  balance    numeric(14, 2) NOT NULL DEFAULT 0,
  -- The account's ledger rows: the unfiltered list's total without counting a million rows.
  row_count  bigint NOT NULL DEFAULT 0
);

-- The ledger: append-only, amount signed. An order's row of a kind is booked once per delivery
-- attempt; an invoice's reservation and release once each.
CREATE TABLE balance_histories (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id        text NOT NULL REFERENCES accounts (id),
  kind              text NOT NULL CHECK (kind IN ('delivered', 'confirmation_fee', 'fulfilment_fee', 'delivery_fee', 'return_fee',
                      'cod_fee', 'payout_reserved', 'payout_released', 'wallet_payment', 'adjustment')),
  amount            numeric(14, 2) NOT NULL,
  balance_after     numeric(14, 2) NOT NULL,
  order_id          text REFERENCES orders (id),
  order_reference   text,
  attempt           int,
  invoice_id        text,
  invoice_reference text,
  comment           text,
  created_by        text REFERENCES users (id),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX balance_histories_account ON balance_histories (account_id, id DESC);
CREATE INDEX balance_histories_account_kind ON balance_histories (account_id, kind, id DESC);
CREATE INDEX balance_histories_account_created ON balance_histories (account_id, created_at);
CREATE INDEX balance_histories_order_ref ON balance_histories (account_id, order_reference) WHERE order_reference IS NOT NULL;
CREATE UNIQUE INDEX balance_histories_order_once ON balance_histories (order_id, kind, attempt) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX balance_histories_invoice_once ON balance_histories (invoice_id, kind) WHERE invoice_id IS NOT NULL;

CREATE FUNCTION balance_histories_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'balance_histories is append-only';
END $$;
CREATE TRIGGER balance_histories_append_only BEFORE UPDATE OR DELETE ON balance_histories
  FOR EACH ROW EXECUTE FUNCTION balance_histories_append_only();

-- An order's delivery attempts (each delivered or returned move is one) and the cash its
-- courier collected when delivered, fixed at that moment.
ALTER TABLE orders
  ADD COLUMN delivery_attempts int NOT NULL DEFAULT 0,
  ADD COLUMN collected_amount  numeric(14, 2);

-- Payouts.
CREATE TABLE invoices (
  id             text PRIMARY KEY,
  account_id     text NOT NULL REFERENCES accounts (id),
  reference      text NOT NULL,
  amount         numeric(14, 2) NOT NULL CHECK (amount >= 1),
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'canceled')),
  payment_method text NOT NULL CHECK (payment_method IN ('bank_transfer', 'paypal')),
  comment        text,
  proof_path     text,
  created_by     text REFERENCES users (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invoices_account_reference UNIQUE (account_id, reference)
);
CREATE INDEX invoices_account ON invoices (account_id, created_at DESC);
CREATE INDEX invoices_status ON invoices (status, created_at DESC);

CREATE TABLE invoice_histories (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id  text NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  old_status  text,
  new_status  text NOT NULL,
  comment     text,
  proof_path  text,
  changed_by  text NOT NULL,
  user_id     text REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_histories_invoice ON invoice_histories (invoice_id, id);

-- Where a seller is paid.
CREATE TABLE payment_details (
  account_id     text PRIMARY KEY REFERENCES accounts (id),
  bank_name      text,
  account_holder text,
  iban           text,
  paypal_email   text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Courier cash: what a shipping company or a delivery user handed over, per delivered order.
CREATE TABLE remittances (
  id                  text PRIMARY KEY,
  shipping_company_id text REFERENCES shipping_companies (id),
  delivery_user_id    text REFERENCES users (id),
  amount              numeric(14, 2) NOT NULL,
  expected            numeric(14, 2) NOT NULL,
  received_at         timestamptz NOT NULL,
  comment             text,
  created_by          text REFERENCES users (id),
  created_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT remittances_one_courier CHECK ((shipping_company_id IS NULL) <> (delivery_user_id IS NULL))
);
CREATE TABLE remittance_orders (
  order_id      text PRIMARY KEY REFERENCES orders (id),
  remittance_id text NOT NULL REFERENCES remittances (id) ON DELETE CASCADE,
  expected      numeric(14, 2) NOT NULL,
  received      numeric(14, 2) NOT NULL
);
CREATE INDEX remittance_orders_remittance ON remittance_orders (remittance_id);
CREATE INDEX orders_delivered_cash ON orders (shipping_company_id, delivery_user_id) WHERE status = 'delivered';
