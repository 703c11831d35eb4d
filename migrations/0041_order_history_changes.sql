-- What a request changed of an order besides its status (docs/decisions.md, "What an edit of an order
-- records"): each field it changed as [old, new], its lines as "products": [old lines, new lines]; null
-- on rows that changed no field. Nullable without a default: no rewrite of the table.
ALTER TABLE order_histories ADD COLUMN changes jsonb;
