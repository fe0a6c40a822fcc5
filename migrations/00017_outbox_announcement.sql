-- +goose Up
-- An announcement's message to a resident is an outbox row that names the
-- announcement: its progress is counted from them (sent, given up), and
-- the unique index keeps any resident from getting it twice, however
-- often a batch is queued again.
ALTER TABLE outbox ADD COLUMN announcement_id bigint REFERENCES announcements (id);
CREATE UNIQUE INDEX outbox_announcement_chat ON outbox (announcement_id, chat_id) WHERE announcement_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_announcement_chat;
ALTER TABLE outbox DROP COLUMN announcement_id;
