-- +goose Up
-- Scheduled jobs (package schedule): one row per job and due slot, the
-- claim that makes several instances run it once. The row records the
-- run: whether it ran late (its slot was missed while every instance was
-- down), how many attempts it took, the attempt in hand (claimed_by,
-- claimed_at, lease_until: another instance may take the run over once
-- the lease has expired), the wait before the next attempt, and how it
-- ended. All times come from the scheduler's clock.
--
-- outcome:
--   running    an attempt is in hand (lease_until set)
--   retrying   the last attempt failed; the next is due at next_attempt_at
--   succeeded  done
--   failed     given up: attempts exhausted, or the next slot came first
--   skipped    not run: the slot came before the job was first scheduled
ALTER TABLE job_runs
    ADD COLUMN late            boolean NOT NULL DEFAULT false,
    ADD COLUMN outcome         text NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'retrying', 'succeeded', 'failed', 'skipped')),
    ADD COLUMN attempts        int NOT NULL DEFAULT 1 CHECK (attempts >= 0),
    ADD COLUMN started_at      timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN lease_until     timestamptz,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN finished_at     timestamptz,
    ADD COLUMN error           text NOT NULL DEFAULT '';
-- No release wrote job_runs before; a row from elsewhere is kept as a
-- slot not run.
UPDATE job_runs SET outcome = 'skipped', attempts = 0, started_at = claimed_at, finished_at = claimed_at;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_outcome_times CHECK (
    CASE outcome
        WHEN 'running' THEN lease_until IS NOT NULL
        WHEN 'retrying' THEN next_attempt_at IS NOT NULL
        ELSE finished_at IS NOT NULL
    END);

-- +goose Down
ALTER TABLE job_runs
    DROP CONSTRAINT job_runs_outcome_times,
    DROP COLUMN late,
    DROP COLUMN outcome,
    DROP COLUMN attempts,
    DROP COLUMN started_at,
    DROP COLUMN lease_until,
    DROP COLUMN next_attempt_at,
    DROP COLUMN finished_at,
    DROP COLUMN error;
