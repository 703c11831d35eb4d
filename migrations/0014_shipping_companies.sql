-- Shipping companies of fulfilment.md: the courier an order is pushed to, with a delivery and a
-- return fee per city. The http adapter's API key is kept sealed with the app key (AES-256-GCM),
-- never in clear; status_map maps a courier's status to shipped, delivered or returned.

CREATE TABLE shipping_companies (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  adapter        text NOT NULL CHECK (adapter IN ('manual', 'http')),
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  base_url       text,
  api_key_sealed text,
  status_map     jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX shipping_companies_name_unique ON shipping_companies (lower(name));

-- A city the company serves: deleting the company or the city deletes the line.
CREATE TABLE shipping_company_cities (
  shipping_company_id text NOT NULL REFERENCES shipping_companies (id) ON DELETE CASCADE,
  city_id             text NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
  delivery_fee        numeric(12, 2) NOT NULL CHECK (delivery_fee BETWEEN 0 AND 99999),
  return_fee          numeric(12, 2) NOT NULL CHECK (return_fee BETWEEN 0 AND 99999),
  PRIMARY KEY (shipping_company_id, city_id)
);
CREATE INDEX shipping_company_cities_city ON shipping_company_cities (city_id);

-- What couriers said about a parcel (fulfilment.md's status sync), shown with the order's history.
-- An event the courier repeats is recorded once.
CREATE TABLE order_events (
  id         bigserial PRIMARY KEY,
  order_id   text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL,
  status     text NOT NULL,
  note       text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX order_events_once ON order_events (order_id, at, status, coalesce(note, ''));
-- The orders a sync asks about: shipped with an http company.
CREATE INDEX orders_shipped_by_company ON orders (shipping_company_id) WHERE status = 'shipped' AND deleted_at IS NULL;
