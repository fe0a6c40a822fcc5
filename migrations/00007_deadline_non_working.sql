-- +goose Up
-- What a deadline counted in calendar days does when its last day is not a
-- working day of the production calendar: 'previous' moves it back to the
-- working day before (answering early is never a violation; the Vologda
-- oblast reglament moves the control date so), 'next' on to the next
-- working day (Civil Code art. 193, as the prosecutor's office counts),
-- 'none' leaves it. Working-day rules end on a working day anyway; rules in
-- hours (an incident's 24 hours) are counted round the clock and never move.
ALTER TABLE deadline_rules
    ADD COLUMN non_working text NOT NULL DEFAULT 'previous'
        CHECK (non_working IN ('previous', 'next', 'none'));

-- +goose Down
ALTER TABLE deadline_rules DROP COLUMN non_working;
