-- Where a payout is paid: the payment details of its method as they were when it was requested
-- (finance.md; docs/decisions.md, "A payout keeps the details it was requested to"). Its page showed
-- the seller's current details, so a bank account changed after the request, or after the payout
-- was paid, rewrote what the payout said it was paid to. Bank transfers keep
-- {bank_name, account_holder, iban}, PayPal payouts {paypal_email}.
ALTER TABLE invoices ADD COLUMN paid_to jsonb;

-- Payouts requested before this migration: the best record left is the account's current details.
UPDATE invoices i
   SET paid_to = CASE i.payment_method
                   WHEN 'paypal' THEN jsonb_build_object('paypal_email', d.paypal_email)
                   ELSE jsonb_build_object('bank_name', d.bank_name, 'account_holder', d.account_holder, 'iban', d.iban)
                 END
  FROM payment_details d
 WHERE d.account_id = i.account_id;
