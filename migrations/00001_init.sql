-- +goose Up
-- The initial schema: directions, residents (personal data kept apart),
-- appeals with their audit trail, staff, chats, dialogs, the outbox.

CREATE TABLE directions (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name       text NOT NULL CHECK (name <> ''),
    position   int  NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Directions of decree 1670-п; editable, a municipality may add its own.
INSERT INTO directions (code, name, position) VALUES
    ('politics', 'Внутренняя политика', 1),
    ('social',   'Безопасность, социальная политика, образование, культура и спорт', 2),
    ('housing',  'ЖКХ', 3),
    ('economy',  'Экономика и финансы', 4),
    ('property', 'Имущество, земельные ресурсы, жилищный контроль, архитектура', 5);

-- Answer deadlines per kind, optionally per direction (a row with a
-- direction wins over the row without one).
CREATE TABLE deadline_rules (
    id        bigserial PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('message', 'appeal59', 'incident')),
    direction text REFERENCES directions (code) ON UPDATE CASCADE,
    unit      text NOT NULL CHECK (unit IN ('workdays', 'days', 'hours')),
    amount    int  NOT NULL CHECK (amount > 0)
);
CREATE UNIQUE INDEX deadline_rules_kind_direction ON deadline_rules (kind, coalesce(direction, ''));

INSERT INTO deadline_rules (kind, unit, amount) VALUES
    ('message',  'workdays', 10),
    ('appeal59', 'days',     30),
    ('incident', 'hours',    24);

-- Residents: the personal data of people who write to the bot. Appeals
-- refer to a resident by id, so this table can be anonymised after the
-- retention period without losing statistics.
CREATE TABLE residents (
    id               bigserial PRIMARY KEY,
    telegram_user_id bigint UNIQUE,
    chat_id          bigint,
    name             text NOT NULL DEFAULT '',
    phone            text NOT NULL DEFAULT '',
    consent_at       timestamptz,
    consent_version  text NOT NULL DEFAULT '',
    blocked_at       timestamptz,
    anonymised_at    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- One counter row per year: registration numbers are gap-free because the
-- increment is part of the registering transaction.
CREATE TABLE appeal_numbers (
    year int PRIMARY KEY,
    last int NOT NULL
);

CREATE TABLE appeals (
    id            bigserial PRIMARY KEY,
    year          int,
    seq           int,
    number        text GENERATED ALWAYS AS (
                      CASE WHEN year IS NULL THEN NULL
                      ELSE year::text || '-' || lpad(seq::text, 6, '0') END) STORED,
    kind          text NOT NULL CHECK (kind IN ('message', 'appeal59', 'incident')),
    source        text NOT NULL,
    state         text NOT NULL,
    direction     text REFERENCES directions (code) ON UPDATE CASCADE,
    resident_id   bigint REFERENCES residents (id),
    text          text NOT NULL,
    address       text NOT NULL DEFAULT '',
    latitude      double precision,
    longitude     double precision,
    executor_id   bigint,
    draft         text NOT NULL DEFAULT '',
    answer        text NOT NULL DEFAULT '',
    reason        text NOT NULL DEFAULT '',
    due_at        timestamptz,
    extended      boolean NOT NULL DEFAULT false,
    rating        int CHECK (rating BETWEEN 1 AND 5),
    solved        text NOT NULL DEFAULT '',
    reopen_count  int NOT NULL DEFAULT 0,
    version       int NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    registered_at timestamptz,
    answered_at   timestamptz,
    closed_at     timestamptz,
    updated_at    timestamptz NOT NULL,
    UNIQUE (year, seq),
    CHECK ((year IS NULL) = (seq IS NULL))
);
CREATE UNIQUE INDEX appeals_number ON appeals (number);
CREATE INDEX appeals_resident ON appeals (resident_id, created_at DESC);
CREATE INDEX appeals_direction_state ON appeals (direction, state);
CREATE INDEX appeals_due_open ON appeals (due_at) WHERE state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered');

-- Contacts of a citizen who wrote by another channel (phone, in person):
-- personal data, kept apart from the appeal like residents.
CREATE TABLE appeal_contacts (
    appeal_id bigint PRIMARY KEY REFERENCES appeals (id),
    name      text NOT NULL DEFAULT '',
    contact   text NOT NULL DEFAULT ''
);

CREATE TABLE appeal_attachments (
    id             bigserial PRIMARY KEY,
    appeal_id      bigint NOT NULL REFERENCES appeals (id),
    purpose        text NOT NULL CHECK (purpose IN ('appeal', 'reply', 'draft')),
    kind           text NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id        text NOT NULL,
    file_unique_id text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments (appeal_id, id);

-- The audit trail: append-only, enforced by a trigger.
CREATE TABLE appeal_events (
    id         bigserial PRIMARY KEY,
    appeal_id  bigint NOT NULL REFERENCES appeals (id),
    at         timestamptz NOT NULL,
    actor_kind text NOT NULL CHECK (actor_kind IN ('system', 'resident', 'staff')),
    actor_id   bigint NOT NULL DEFAULT 0,
    role       text NOT NULL DEFAULT '',
    event      text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX appeal_events_appeal ON appeal_events (appeal_id, id);

-- +goose StatementBegin
CREATE FUNCTION appeal_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeal_events is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER appeal_events_append_only
    BEFORE UPDATE OR DELETE ON appeal_events
    FOR EACH ROW EXECUTE FUNCTION appeal_events_append_only();

-- Staff and their roles. A curator or executor has a direction; the other
-- roles do not.
CREATE TABLE staff (
    user_id    bigint PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_roles (
    user_id    bigint NOT NULL REFERENCES staff (user_id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('admin', 'operator', 'curator', 'executor', 'head', 'leader')),
    direction  text REFERENCES directions (code) ON UPDATE CASCADE,
    granted_by bigint NOT NULL DEFAULT 0,
    granted_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((role IN ('curator', 'executor')) = (direction IS NOT NULL))
);
CREATE UNIQUE INDEX staff_roles_unique ON staff_roles (user_id, role, coalesce(direction, ''));

CREATE TABLE invites (
    code       text PRIMARY KEY,
    role       text NOT NULL,
    direction  text REFERENCES directions (code) ON UPDATE CASCADE,
    created_by bigint NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_by    bigint,
    used_at    timestamptz
);

-- Chats bound to a purpose: a direction, the operators' triage, the head.
-- thread_id is the forum topic (0 for the whole chat).
CREATE TABLE chat_bindings (
    chat_id   bigint NOT NULL,
    thread_id int    NOT NULL DEFAULT 0,
    purpose   text   NOT NULL CHECK (purpose IN ('direction', 'triage', 'head')),
    direction text REFERENCES directions (code) ON UPDATE CASCADE,
    bound_by  bigint NOT NULL,
    bound_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, thread_id),
    CHECK ((purpose = 'direction') = (direction IS NOT NULL))
);
CREATE UNIQUE INDEX chat_bindings_target ON chat_bindings (purpose, coalesce(direction, ''));

-- The one card of an appeal in a chat, edited in place.
CREATE TABLE cards (
    appeal_id  bigint NOT NULL REFERENCES appeals (id),
    chat_id    bigint NOT NULL,
    thread_id  int    NOT NULL DEFAULT 0,
    message_id int    NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (appeal_id, chat_id)
);

-- Intake and staff dialogs in progress, one per user and chat.
CREATE TABLE dialogs (
    user_id    bigint NOT NULL,
    chat_id    bigint NOT NULL,
    kind       text   NOT NULL,
    state      text   NOT NULL,
    data       jsonb  NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, chat_id)
);

-- Update ids already processed: recorded in the transaction of their effects.
CREATE TABLE processed_updates (
    update_id    bigint PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The transactional outbox: what a change has to tell someone, written in
-- the transaction of the change and sent by the dispatcher in order per chat.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    appeal_id       bigint REFERENCES appeals (id),
    chat_id         bigint,
    thread_id       int NOT NULL DEFAULT 0,
    kind            text NOT NULL,
    payload         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    failed_at       timestamptz
);
CREATE INDEX outbox_pending ON outbox (chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Scheduled runs claimed by one instance: one row per job and time slot.
CREATE TABLE job_runs (
    job        text NOT NULL,
    slot       timestamptz NOT NULL,
    claimed_by text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, slot)
);

-- +goose Down
DROP TABLE job_runs, outbox, processed_updates, dialogs, cards, chat_bindings,
    invites, staff_roles, staff, appeal_events, appeal_attachments,
    appeal_contacts, appeals, appeal_numbers, residents, deadline_rules, directions;
DROP FUNCTION appeal_events_append_only();
