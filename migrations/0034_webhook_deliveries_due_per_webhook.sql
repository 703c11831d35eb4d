-- The delivery claim takes each active webhook's earliest due deliveries, a few per webhook and per
-- account (a receiver that hangs holds only its own slots): the due index leads with the webhook.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE state = 'pending';
