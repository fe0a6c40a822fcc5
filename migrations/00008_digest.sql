-- +goose Up
-- The head's daily digest (issue #8 §2): a chat may be bound to the МЦУ
-- leader, who gets the digest as the head does; and the indexes of the
-- digest's queries.

ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head', 'leader'));

-- +goose Down
DELETE FROM chat_bindings WHERE purpose = 'leader';
ALTER TABLE chat_bindings DROP CONSTRAINT chat_bindings_purpose_check;
ALTER TABLE chat_bindings ADD CONSTRAINT chat_bindings_purpose_check
    CHECK (purpose IN ('direction', 'triage', 'head'));
