-- +goose Up
-- The parts of an outbox message already sent: a message of
-- several Telegram messages (an album, a map pin, a card, the parts of a
-- long text, evidence photos, a prepared message's file and text) records
-- each part as Telegram accepts it, in the transaction that records the
-- attempt's outcome, so a retry resumes at the part that failed and never
-- sends again one that Telegram accepted.
--
-- An object keyed by the part's key (computed deterministically from the
-- message: "media/album/0", "media/pin", "card", "text/1", "file"...):
--   {"ids": [101, 102]}         the messages Telegram answered with
--   {"skipped": "<reason>"}     refused for good (400), not sent again
ALTER TABLE outbox ADD COLUMN parts jsonb NOT NULL DEFAULT '{}';

-- The admins were told that a staff chat refuses the bot (403): once per
-- chat and day.
CREATE TABLE chat_alerts (
    chat_id bigint NOT NULL,
    day     date   NOT NULL,
    PRIMARY KEY (chat_id, day)
);

-- +goose Down
DROP TABLE chat_alerts;
ALTER TABLE outbox DROP COLUMN parts;
