-- +goose Up
-- A group gets 20 messages a minute. When a chat's queue holds more than
-- it can send in about two minutes, its new cards are merged into one
-- list message (a line and a button per appeal) instead of being sent one
-- by one with their photos. An appeal listed so has a cards row with no
-- card (message_id 0) and listed_in, the list's message: its later
-- changes wait until somebody presses its button in the list, which posts
-- the full card with its photos.
ALTER TABLE cards ADD COLUMN listed_in int NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cards DROP COLUMN listed_in;
