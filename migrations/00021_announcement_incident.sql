-- +goose Up
-- An announcement may go to the residents of an incident: those whose
-- appeals it gathers (and who chose news, as for every audience).
ALTER TABLE announcements ADD COLUMN incident_id bigint REFERENCES incidents (id);
ALTER TABLE announcements DROP CONSTRAINT announcements_audience_check;
ALTER TABLE announcements ADD CONSTRAINT announcements_audience_check
    CHECK (audience IN ('all', 'direction', 'incident'));
ALTER TABLE announcements ADD CONSTRAINT announcements_incident_check
    CHECK ((audience = 'incident') = (incident_id IS NOT NULL));

-- +goose Down
ALTER TABLE announcements DROP CONSTRAINT announcements_incident_check;
ALTER TABLE announcements DROP CONSTRAINT announcements_audience_check;
ALTER TABLE announcements ADD CONSTRAINT announcements_audience_check
    CHECK (audience IN ('all', 'direction'));
ALTER TABLE announcements DROP COLUMN incident_id;
