-- +goose Up
-- Incidents: one problem many residents write about. The appeals joined
-- to an incident are answered at once with its one approved answer;
-- joining and leaving are events of each appeal's audit trail
-- (join_incident, leave_incident, answer_incident).
CREATE TABLE incidents (
    id          bigserial PRIMARY KEY,
    direction   text NOT NULL REFERENCES directions (code),
    title       text NOT NULL,
    expected_at timestamptz,
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'on_approval', 'answered')),
    draft       text NOT NULL DEFAULT '',
    draft_files jsonb NOT NULL DEFAULT '[]', -- photos of the draft (Telegram file ids)
    draft_by    bigint,
    returned    text NOT NULL DEFAULT '',
    answer      text NOT NULL DEFAULT '',
    created_by  bigint NOT NULL,
    version     int NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz
);
CREATE INDEX incidents_direction_state ON incidents (direction, state);

ALTER TABLE appeals ADD COLUMN incident_id bigint REFERENCES incidents (id);
CREATE INDEX appeals_incident ON appeals (incident_id) WHERE incident_id IS NOT NULL;

-- The card of an incident in its direction's chat, edited in place as
-- the cards of appeals are.
CREATE TABLE incident_cards (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    chat_id     bigint NOT NULL,
    thread_id   int    NOT NULL DEFAULT 0,
    message_id  int    NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, chat_id)
);

-- +goose Down
DROP TABLE incident_cards;
ALTER TABLE appeals DROP COLUMN incident_id;
DROP TABLE incidents;
