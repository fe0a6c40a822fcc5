-- +goose Up
-- The monthly report.
--
-- received_at is when an appeal that came by another channel (ПОС, a
-- letter, a call) was received there, which can be days before an
-- operator registers it; 59-ФЗ art. 8 part 2 gives three days for that.
-- It is NULL for the bot's own messages, which are received when they are
-- created: the report reads coalesce(received_at, created_at).
ALTER TABLE appeals ADD COLUMN received_at timestamptz;

-- The appeals of a month, in the order the report lists them: a range
-- scan that needs no sort.
CREATE INDEX appeals_received ON appeals ((coalesce(received_at, created_at)), id);

-- The ratings and returned drafts of each appeal of the month, without
-- reading its other events.
CREATE INDEX appeal_events_quality ON appeal_events (appeal_id, id) WHERE event IN ('rate', 'return');

-- +goose Down
DROP INDEX appeal_events_quality;
DROP INDEX appeals_received;
ALTER TABLE appeals DROP COLUMN received_at;
