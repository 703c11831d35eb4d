-- A "send again" from the delivery log is an attempt of its own (the log numbers it with the
-- others) but not a step of the retry schedule (webhooks-files.md: about 30 s, 2 min, 10 min, 1 h,
-- 6 h, 24 h): the schedule's position is attempts − resends. A resend used to move it one step on.
ALTER TABLE webhook_deliveries ADD COLUMN resends integer NOT NULL DEFAULT 0;
