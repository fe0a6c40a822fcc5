-- +goose Up
-- Prepared messages: content fixed when enqueued (a digest, a summary, a
-- reminder, a report), kind 'prepared', payload {text, buttons, file}.
-- The bytes of a photo or document sent with one.
ALTER TABLE outbox ADD COLUMN file bytea;

-- +goose Down
ALTER TABLE outbox DROP COLUMN file;
