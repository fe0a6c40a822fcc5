-- +goose Up
-- Announcements: the МЦУ informs the district's residents (8-ФЗ). A
-- resident chooses news apart from the consent: news_at and news_version
-- record when and to which wording they said yes or no (news tells which).
-- The press secretary (role press) drafts an announcement, the leader or
-- an admin approves or returns it; every step is an announcement_events
-- row. An approved announcement is queued per resident in batches
-- (queued_after is the last resident id queued; queued_at when all are).
-- progress_edit is the outbox row of the progress message's last edit:
-- the next waits until it is sent. photo is the Telegram file id of its photo ('' for none).
ALTER TABLE residents
    ADD COLUMN news         boolean NOT NULL DEFAULT false,
    ADD COLUMN news_version text NOT NULL DEFAULT '',
    ADD COLUMN news_at      timestamptz;

ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check
    CHECK (role IN ('admin', 'operator', 'curator', 'executor', 'head', 'leader', 'press'));

ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head', 'leader', 'channel'));

CREATE TABLE announcements (
    id            bigserial PRIMARY KEY,
    author_id     bigint NOT NULL,
    text          text NOT NULL CHECK (text <> ''),
    photo         text NOT NULL DEFAULT '',
    audience      text NOT NULL CHECK (audience IN ('all', 'direction')),
    direction     text REFERENCES directions (code),
    days          int NOT NULL DEFAULT 0,
    send_at       timestamptz,
    status        text NOT NULL CHECK (status IN ('pending', 'returned', 'approved', 'done')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_by    bigint,
    decided_at    timestamptz,
    comment       text NOT NULL DEFAULT '',
    progress_row  bigint,
    progress_at   timestamptz,
    progress_text text NOT NULL DEFAULT '',
    progress_edit bigint,
    queued_after  bigint NOT NULL DEFAULT 0,
    queued_at     timestamptz,
    total         int NOT NULL DEFAULT 0,
    CHECK ((audience = 'direction') = (direction IS NOT NULL))
);
CREATE INDEX announcements_active ON announcements (id) WHERE status = 'approved';

CREATE TABLE announcement_events (
    id              bigserial PRIMARY KEY,
    announcement_id bigint NOT NULL REFERENCES announcements (id),
    at              timestamptz NOT NULL,
    actor_id        bigint NOT NULL DEFAULT 0,
    role            text NOT NULL DEFAULT '',
    event           text NOT NULL CHECK (event IN ('submit', 'approve', 'return', 'queued', 'done')),
    details         text NOT NULL DEFAULT ''
);
CREATE INDEX announcement_events_of ON announcement_events (announcement_id, id);

-- +goose Down
DROP TABLE announcement_events, announcements;
DELETE FROM chat_bindings WHERE purpose = 'channel';
ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head', 'leader'));
DELETE FROM staff_roles WHERE role = 'press';
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check
    CHECK (role IN ('admin', 'operator', 'curator', 'executor', 'head', 'leader'));
ALTER TABLE residents DROP COLUMN news, DROP COLUMN news_version, DROP COLUMN news_at;
