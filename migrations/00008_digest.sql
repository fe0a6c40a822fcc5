-- +goose Up
-- The head's daily digest: a chat may be bound to the МЦУ
-- leader, who gets the digest as the head does; and the indexes of the
-- digest's queries.

ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head', 'leader'));

-- New appeals since the last digest, by direction.
CREATE INDEX appeals_created ON appeals (created_at) INCLUDE (direction);
-- Open and overdue appeals by direction (the predicate of appeals_due_open).
CREATE INDEX appeals_open_direction ON appeals (direction, due_at)
    WHERE state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered');
-- Answers, closings, ratings and reopenings in a window.
CREATE INDEX appeal_events_event_at ON appeal_events (event, at) INCLUDE (appeal_id)
    WHERE event IN ('approve', 'close', 'rate', 'reopen');
-- The appeals answered in a window, with what an answer's time and
-- punctuality need (an appeal's answered_at is its latest answer).
CREATE INDEX appeals_answered ON appeals (answered_at) INCLUDE (id, registered_at, due_at)
    WHERE answered_at IS NOT NULL;

-- +goose Down
DROP INDEX appeals_answered, appeal_events_event_at, appeals_open_direction, appeals_created;
DELETE FROM chat_bindings WHERE purpose = 'leader';
ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head'));
