-- Accounts, people, catalog, tokens, leads and orders with their histories.

CREATE TABLE accounts (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                       text PRIMARY KEY,
  account_id               text REFERENCES accounts (id),
  role                     text NOT NULL CHECK (role IN ('admin', 'manager-leader', 'manager', 'call-center-manager',
                             'agent', 'follow-up-agent', 'stock-manager', 'sourcing-agent', 'delivery', 'seller')),
  full_name                text NOT NULL,
  email                    text NOT NULL,
  phone                    text,
  whatsapp_phone           text,
  company                  text,
  status                   text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  password_hash            text NOT NULL,
  salary                   numeric(12, 2),
  products_ids_to_confirm  jsonb NOT NULL DEFAULT '[]',
  agent_working_hours      jsonb NOT NULL DEFAULT '[]',
  agent_status_handlings   jsonb NOT NULL DEFAULT '[]',
  warehouses_ids_to_manage jsonb NOT NULL DEFAULT '[]',
  manager_id               text REFERENCES users (id),
  hide_money               boolean NOT NULL DEFAULT false,
  picture_path             text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_seller_has_account CHECK ((role = 'seller') = (account_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
CREATE INDEX users_role ON users (role, created_at DESC);
CREATE INDEX users_account ON users (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE products (
  id         text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  sku        text NOT NULL,
  name       text NOT NULL,
  price      numeric(12, 2) NOT NULL,
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT products_account_sku UNIQUE (account_id, sku)
);

-- Sanctum-shaped tokens "<id>|<secret>": only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      text NOT NULL REFERENCES users (id),
  account_id   text NOT NULL REFERENCES accounts (id),
  name         text NOT NULL,
  secret_hash  text NOT NULL,
  scopes       text[] NOT NULL,
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at DESC);

-- Per-account public reference sequences (LD-00001, ORD-00001, ...).
CREATE TABLE reference_counters (
  account_id text NOT NULL REFERENCES accounts (id),
  kind       text NOT NULL,
  last_value bigint NOT NULL,
  PRIMARY KEY (account_id, kind)
);

CREATE TABLE leads (
  id               text PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (id),
  reference        text NOT NULL,
  status           text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'no_reply', 'call_later', 'confirmed', 'canceled', 'wrong', 'duplicate')),
  full_name        text NOT NULL,
  phone            text NOT NULL,
  phone_normalized text NOT NULL,
  city             text,
  area             text,
  address          text,
  data             jsonb NOT NULL DEFAULT '[]',
  total            numeric(14, 2) NOT NULL,
  call_attempts    integer NOT NULL DEFAULT 0,
  callback_at      timestamptz,
  cancel_reason    text,
  duplicate_of     text,
  order_id         text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
CREATE UNIQUE INDEX leads_account_reference ON leads (account_id, reference);
CREATE INDEX leads_account_created ON leads (account_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_account_status_created ON leads (account_id, status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_account_phone ON leads (account_id, phone_normalized) WHERE deleted_at IS NULL;

CREATE TABLE lead_lines (
  lead_id    text NOT NULL REFERENCES leads (id),
  position   smallint NOT NULL,
  product_id text NOT NULL REFERENCES products (id),
  sku        text NOT NULL,
  name       text NOT NULL,
  quantity   integer NOT NULL,
  price      numeric(12, 2) NOT NULL,
  PRIMARY KEY (lead_id, position)
);
CREATE INDEX lead_lines_product ON lead_lines (product_id, lead_id);

CREATE TABLE orders (
  id                       text PRIMARY KEY,
  account_id               text NOT NULL REFERENCES accounts (id),
  reference                text NOT NULL,
  status                   text NOT NULL DEFAULT 'new'
                             CHECK (status IN ('new', 'shipped', 'delivered', 'returned', 'canceled')),
  lead_id                  text REFERENCES leads (id),
  full_name                text NOT NULL,
  phone                    text NOT NULL,
  phone_normalized         text NOT NULL,
  email                    text,
  city                     text,
  area                     text,
  address                  text,
  shipment_way             smallint NOT NULL DEFAULT 1 CHECK (shipment_way IN (1, 2, 3)),
  is_fees_paid_by_customer boolean NOT NULL DEFAULT false,
  total                    numeric(14, 2) NOT NULL,
  shipping_company_id      text,
  delivery_user_id         text REFERENCES users (id),
  tracking_number          text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  deleted_at               timestamptz
);
CREATE UNIQUE INDEX orders_account_reference ON orders (account_id, reference);
CREATE INDEX orders_account_created ON orders (account_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_account_status_created ON orders (account_id, status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_account_phone ON orders (account_id, phone_normalized) WHERE deleted_at IS NULL;
CREATE INDEX orders_account_tracking ON orders (account_id, tracking_number) WHERE tracking_number IS NOT NULL;
CREATE UNIQUE INDEX orders_lead ON orders (lead_id) WHERE lead_id IS NOT NULL;
ALTER TABLE leads ADD CONSTRAINT leads_order FOREIGN KEY (order_id) REFERENCES orders (id);

CREATE TABLE order_lines (
  order_id   text NOT NULL REFERENCES orders (id),
  position   smallint NOT NULL,
  product_id text NOT NULL REFERENCES products (id),
  sku        text NOT NULL,
  name       text NOT NULL,
  quantity   integer NOT NULL,
  price      numeric(12, 2) NOT NULL,
  PRIMARY KEY (order_id, position)
);
CREATE INDEX order_lines_product ON order_lines (product_id, order_id);

-- Who changed a status: changed_by is the display label kept as it read at the time.
CREATE TABLE lead_histories (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (id),
  lead_id         text NOT NULL REFERENCES leads (id),
  old_status      text,
  new_status      text NOT NULL,
  changed_by      text NOT NULL,
  user_id         text REFERENCES users (id),
  token_id        bigint REFERENCES api_tokens (id),
  impersonator_id text REFERENCES users (id),
  comment         text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_histories_account ON lead_histories (account_id, created_at DESC, id DESC);
CREATE INDEX lead_histories_lead ON lead_histories (lead_id, id);

CREATE TABLE order_histories (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (id),
  order_id        text NOT NULL REFERENCES orders (id),
  old_status      text,
  new_status      text NOT NULL,
  changed_by      text NOT NULL,
  user_id         text REFERENCES users (id),
  token_id        bigint REFERENCES api_tokens (id),
  impersonator_id text REFERENCES users (id),
  comment         text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_histories_account ON order_histories (account_id, created_at DESC, id DESC);
CREATE INDEX order_histories_order ON order_histories (order_id, id);

-- Stored first responses of Idempotency-Key requests, per token, kept 24 hours.
CREATE TABLE idempotency_keys (
  token_id     bigint NOT NULL REFERENCES api_tokens (id),
  key          text NOT NULL,
  request_hash text NOT NULL,
  status_code  integer NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Processes cache authentication; any change that can end a token's validity tells them to forget.
CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('codops_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER accounts_auth_change AFTER UPDATE OF status OR DELETE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
CREATE TRIGGER users_auth_change AFTER UPDATE OF status, role, account_id, full_name OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
CREATE TRIGGER api_tokens_auth_change AFTER UPDATE OF revoked_at, expires_at, scopes OR DELETE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();

-- ISO-8601 in UTC with a Z, as every API time is shown.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
