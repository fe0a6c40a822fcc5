-- +goose Up
-- Deadline control: what the control jobs have sent, so
-- that each reminder goes once, and the escalations the digest lists.

-- One row per reminder or escalation sent about an appeal, written in the
-- transaction that puts its messages in the outbox. The key holds the due
-- date the alert was computed for: a new due date (an extension) or a new
-- answer (after a reopen) makes new keys, so its alerts come again.
--
--   remind_3, remind_1  3 and 1 working days before due_at: the direction chat
--   escalate            on the day due_at passes: the direction chat and its
--                       curators in private; the digest lists these
--   rating              the resident asked to rate; due_at is the answer's time
--   redirect_remind     an appeal59 still in triage on day 5 after registration;
--                       due_at is the end of day 7 (59-ФЗ art. 8 p. 3)
--   redirect_escalate   the same on day 7: the triage chat; the digest lists these
CREATE TABLE deadline_alerts (
    appeal_id bigint      NOT NULL REFERENCES appeals (id),
    threshold text        NOT NULL CHECK (threshold IN
                              ('remind_3', 'remind_1', 'escalate', 'rating', 'redirect_remind', 'redirect_escalate')),
    due_at    timestamptz NOT NULL,
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (appeal_id, threshold, due_at)
);
CREATE INDEX deadline_alerts_escalations ON deadline_alerts (sent_at)
    WHERE threshold IN ('escalate', 'redirect_escalate');

-- The morning summaries: one row per direction and scheduled slot, also
-- when there was nothing to report (items = 0, nothing sent), so that a
-- second run for the same slot sends nothing.
CREATE TABLE staff_summaries (
    slot      timestamptz NOT NULL,
    direction text        NOT NULL REFERENCES directions (code) ON UPDATE CASCADE,
    items     int         NOT NULL,
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (slot, direction)
);

-- +goose Down
DROP TABLE staff_summaries, deadline_alerts;
