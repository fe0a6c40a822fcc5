-- +goose Up
-- An announcement's third audience: the residents of an incident's
-- appeals (whether or not they chose news: they wrote about it), who did
-- not block the bot.
ALTER TABLE announcements ADD COLUMN incident_id bigint REFERENCES incidents (id);
ALTER TABLE announcements DROP CONSTRAINT announcements_audience_check;
ALTER TABLE announcements ADD CONSTRAINT announcements_audience_check
    CHECK (audience IN ('all', 'direction', 'incident'));
ALTER TABLE announcements ADD CONSTRAINT announcements_incident_check
    CHECK ((audience = 'incident') = (incident_id IS NOT NULL));

-- +goose Down
ALTER TABLE announcements DROP CONSTRAINT announcements_incident_check;
DELETE FROM announcement_events WHERE announcement_id IN (SELECT id FROM announcements WHERE audience = 'incident');
UPDATE outbox SET announcement_id = NULL WHERE announcement_id IN (SELECT id FROM announcements WHERE audience = 'incident');
DELETE FROM announcements WHERE audience = 'incident';
ALTER TABLE announcements DROP CONSTRAINT announcements_audience_check;
ALTER TABLE announcements ADD CONSTRAINT announcements_audience_check
    CHECK (audience IN ('all', 'direction'));
ALTER TABLE announcements DROP COLUMN incident_id;
