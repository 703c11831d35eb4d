-- The ledger's search box finds a payout's rows by its reference through an index, as an order's
-- rows are found by balance_histories_order_ref (its invoice_reference filter uses it too).
CREATE INDEX balance_histories_invoice_ref ON balance_histories (account_id, invoice_reference) WHERE invoice_reference IS NOT NULL;
