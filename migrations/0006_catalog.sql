-- The catalog of dashboard.md: categories, cities and their areas, every product field, and the
-- warehouses of 0004 completed. Products are soft-deleted: lead and order lines keep pointing at
-- them, and a deleted product's SKU is free again in its account.

CREATE TABLE categories (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_name_unique ON categories (lower(name));

CREATE TABLE cities (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cities_name_unique ON cities (lower(name));

-- An area is part of its city: deleting the city deletes its areas.
CREATE TABLE areas (
  id         text PRIMARY KEY,
  city_id    text NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX areas_city_name_unique ON areas (city_id, lower(name));

ALTER TABLE products
  ADD COLUMN description      text,
  ADD COLUMN purchase_price   numeric(12, 2),
  ADD COLUMN category_id      text REFERENCES categories (id),
  ADD COLUMN variants         jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN weight           numeric(8, 2),
  ADD COLUMN width            numeric(8, 2),
  ADD COLUMN height           numeric(8, 2),
  ADD COLUMN length           numeric(8, 2),
  ADD COLUMN has_discount     boolean NOT NULL DEFAULT false,
  ADD COLUMN discount         numeric(12, 2),
  ADD COLUMN image_path       text,
  ADD COLUMN free_shipping    boolean NOT NULL DEFAULT false,
  ADD COLUMN paid_by_seller   boolean NOT NULL DEFAULT false,
  ADD COLUMN landing_page_url text,
  ADD COLUMN script           text,
  ADD COLUMN deleted_at       timestamptz,
  ADD CONSTRAINT products_discount_below_price CHECK (discount IS NULL OR discount < price);
ALTER TABLE products DROP CONSTRAINT products_account_sku;
CREATE UNIQUE INDEX products_account_sku ON products (account_id, sku) WHERE deleted_at IS NULL;
CREATE INDEX products_account_created ON products (account_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_created ON products (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_category ON products (category_id) WHERE category_id IS NOT NULL;

-- `city` (text, from 0004) keeps the city's name for readers that only show it.
ALTER TABLE warehouses
  ADD COLUMN city_id text REFERENCES cities (id),
  ADD COLUMN phone   text,
  ADD COLUMN status  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive'));
CREATE UNIQUE INDEX warehouses_name_unique ON warehouses (lower(name));
CREATE INDEX warehouses_city ON warehouses (city_id) WHERE city_id IS NOT NULL;
