-- +goose Up
-- The inbox: every update received, kept from the moment it is received
-- until the transaction of its effects deletes it (and records its id in
-- processed_updates). An update whose handling failed, or that a crash
-- interrupted, is handled again from here. Raw updates hold personal data
-- of people who may not have consented yet, so they are kept only that
-- long; an update given up after max attempts stays for inspection.
CREATE TABLE inbox (
    update_id       bigint PRIMARY KEY,
    payload         jsonb NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX inbox_due ON inbox (next_attempt_at);

-- +goose Down
DROP TABLE inbox;
