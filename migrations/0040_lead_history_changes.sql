-- What a request changed of a lead besides its status (docs/decisions.md, "What an edit of a lead
-- records"): each customer field it changed as [old, new], its lines as "products": [old lines, new
-- lines]; null on rows that changed no field. Nullable without a default: no rewrite of the table.
ALTER TABLE lead_histories ADD COLUMN changes jsonb;
