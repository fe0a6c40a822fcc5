-- +goose Up
-- Forgetting a person (152-ФЗ): when a resident revokes consent, or the
-- retention period of their finished appeals has passed, what identifies
-- them or quotes them is erased, and the numbers, states, directions,
-- dates and ratings stay for the statistics.
--
-- forgotten_at marks an appeal whose content (text, address, place,
-- draft, answer, photos, contact) is erased.
ALTER TABLE appeals ADD COLUMN forgotten_at timestamptz;

-- The audit trail stays append-only but for that erasure: with
-- mcu.forget set in the transaction, an event's payload and actor id may
-- change, and nothing else of it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appeal_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('mcu.forget', true) = 'on'
        AND NEW.id = OLD.id AND NEW.appeal_id = OLD.appeal_id AND NEW.at = OLD.at
        AND NEW.actor_kind = OLD.actor_kind AND NEW.role = OLD.role
        AND NEW.event = OLD.event AND NEW.from_state = OLD.from_state
        AND NEW.to_state = OLD.to_state THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'appeal_events is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- Residents to forget once their appeals are finished and old: those not
-- forgotten yet.
CREATE INDEX residents_remembered ON residents (id) WHERE anonymised_at IS NULL;

-- +goose Down
DROP INDEX residents_remembered;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appeal_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeal_events is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
ALTER TABLE appeals DROP COLUMN forgotten_at;
