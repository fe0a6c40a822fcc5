-- +goose Up
-- Updates received (by the webhook or getUpdates) that cannot be decoded
-- (not JSON of an update, no update_id, larger than the webhook's limit).
-- They are confirmed to Telegram so that it does not redeliver them
-- forever and stall their chat, and kept here for inspection. The body may hold personal data of
-- someone who has not consented, so a row is kept 30 days: each insert
-- deletes the rows older than that.
CREATE TABLE rejected_updates (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    update_id   bigint,          -- when it could be read
    size        int NOT NULL,    -- bytes received
    body        bytea NOT NULL,  -- as received (up to the limit)
    reason      text NOT NULL
);
CREATE INDEX rejected_updates_received_at ON rejected_updates (received_at);

-- +goose Down
DROP TABLE rejected_updates;
