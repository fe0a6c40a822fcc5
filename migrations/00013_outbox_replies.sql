-- +goose Up
-- The bot's replies go through the outbox: what a handler answers is
-- enqueued in the update's transaction (kind 'reply') and sent by the
-- dispatcher like everything else, paced. Somebody waits for a reply,
-- nobody for a card or a summary: the dispatcher claims the lower
-- priority first (0 replies, 1 the rest); each chat's messages still go
-- in the order they were enqueued.
ALTER TABLE outbox ADD COLUMN priority smallint NOT NULL DEFAULT 1;
-- The claim walks the unsent rows in this order and takes the first that
-- heads its chat's queue.
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN priority;
