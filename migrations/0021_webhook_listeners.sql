-- Processes cache which event types each account's active webhooks subscribe to, so a change that
-- nobody listens to writes no outbox statement; any change to who listens tells them to forget.
CREATE FUNCTION notify_webhooks_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('codops_webhooks', coalesce(NEW.account_id, OLD.account_id));
  RETURN NULL;
END $$;
CREATE TRIGGER webhooks_listeners_added AFTER INSERT OR DELETE ON webhooks
  FOR EACH ROW EXECUTE FUNCTION notify_webhooks_change();
CREATE TRIGGER webhooks_listeners_changed AFTER UPDATE OF status, event_types, account_id ON webhooks
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.event_types IS DISTINCT FROM NEW.event_types
                     OR OLD.account_id IS DISTINCT FROM NEW.account_id)
  EXECUTE FUNCTION notify_webhooks_change();
