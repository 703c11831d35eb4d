-- A city a shipping company lists cannot be deleted (docs/decisions.md, "A city a shipping company
-- lists cannot be deleted"): the cascade took it off the company's list, and a company left with no
-- city takes orders of every city. Its foreign key now refuses the delete, as warehouses' does.
ALTER TABLE shipping_company_cities
  DROP CONSTRAINT shipping_company_cities_city_id_fkey,
  ADD CONSTRAINT shipping_company_cities_city_id_fkey FOREIGN KEY (city_id) REFERENCES cities (id);
