-- An account's own delivery and return fees (finance.md's fee table): a flat fee agreed with the
-- seller, charged instead of the shipping company's fee for the city. NULL (the default) keeps
-- the company's fee for the city, else the account's default (own couriers).
ALTER TABLE account_fees
  ADD COLUMN delivery_fee numeric(12, 2) CHECK (delivery_fee BETWEEN 0 AND 99999),
  ADD COLUMN return_fee   numeric(12, 2) CHECK (return_fee BETWEEN 0 AND 99999);
