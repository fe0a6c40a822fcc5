package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/schedule"
)

// The runs of scheduled jobs (job_runs): storage.DB is a schedule.Store.
var _ schedule.Store = (*DB)(nil)

const jobRunColumns = `job, slot, late, outcome, attempts, claimed_by, claimed_at, started_at,
	lease_until, next_attempt_at, finished_at, error`

// ClaimRun reads the job's latest run under a lock of the job, passes it
// to decide and writes what decide returns, in one transaction.
func (db *DB) ClaimRun(ctx context.Context, job string, decide func(last *schedule.Record) []schedule.Record) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		if err := t.lockJob(ctx, job); err != nil {
			return err
		}
		rows, err := t.tx.Query(ctx, `SELECT `+jobRunColumns+` FROM job_runs WHERE job = $1 ORDER BY slot DESC LIMIT 1`, job)
		if err != nil {
			return fmt.Errorf("storage: unable to read the runs of job %s: %w", job, err)
		}
		last, err := pgx.CollectExactlyOneRow(rows, scanJobRun)
		var lastp *schedule.Record
		switch {
		case err == nil:
			lastp = &last
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("storage: unable to read the runs of job %s: %w", job, err)
		}
		for _, r := range decide(lastp) {
			if r.Job != job {
				return fmt.Errorf("storage: a claim of job %s wrote a run of job %s", job, r.Job)
			}
			if err := t.putJobRun(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// FinishRun writes r if attempt r.Attempts by r.ClaimedBy is still the
// attempt in hand of its run.
func (db *DB) FinishRun(ctx context.Context, r schedule.Record) (bool, error) {
	var kept bool
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		if err := t.lockJob(ctx, r.Job); err != nil {
			return err
		}
		tag, err := t.tx.Exec(ctx, `
			UPDATE job_runs SET outcome = $5, lease_until = $6, next_attempt_at = $7, finished_at = $8, error = $9
			WHERE job = $1 AND slot = $2 AND claimed_by = $3 AND attempts = $4 AND outcome = 'running'`,
			r.Job, r.Slot, r.ClaimedBy, r.Attempts, string(r.Outcome),
			nullTime(r.LeaseUntil), nullTime(r.NextAttemptAt), nullTime(r.FinishedAt), r.Error)
		if err != nil {
			return fmt.Errorf("storage: unable to record the run of job %s: %w", r.Job, mapError(err))
		}
		kept = tag.RowsAffected() == 1
		return nil
	})
	return kept, err
}

// LatestRuns returns the latest run of each job named that has one.
func (db *DB) LatestRuns(ctx context.Context, jobs []string) ([]schedule.Record, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (job) `+jobRunColumns+` FROM job_runs
		WHERE job = ANY($1) ORDER BY job, slot DESC`, jobs)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read job runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanJobRun)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read job runs: %w", err)
	}
	return out, nil
}

// lockJob takes the job's lock until the transaction ends: claims and
// outcomes of one job take turns, across instances.
func (t *Tx) lockJob(ctx context.Context, job string) error {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('job_runs:' || $1, 0))`, job); err != nil {
		return fmt.Errorf("storage: unable to lock job %s: %w", job, err)
	}
	return nil
}

// putJobRun inserts r, or replaces the job's run of r's slot.
func (t *Tx) putJobRun(ctx context.Context, r schedule.Record) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO job_runs (`+jobRunColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (job, slot) DO UPDATE SET late = EXCLUDED.late, outcome = EXCLUDED.outcome,
			attempts = EXCLUDED.attempts, claimed_by = EXCLUDED.claimed_by, claimed_at = EXCLUDED.claimed_at,
			started_at = EXCLUDED.started_at, lease_until = EXCLUDED.lease_until,
			next_attempt_at = EXCLUDED.next_attempt_at, finished_at = EXCLUDED.finished_at, error = EXCLUDED.error`,
		r.Job, r.Slot, r.Late, string(r.Outcome), r.Attempts, r.ClaimedBy, r.ClaimedAt, r.StartedAt,
		nullTime(r.LeaseUntil), nullTime(r.NextAttemptAt), nullTime(r.FinishedAt), r.Error)
	if err != nil {
		return fmt.Errorf("storage: unable to write the run of job %s at %s: %w", r.Job, r.Slot.Format(time.RFC3339), mapError(err))
	}
	return nil
}

func scanJobRun(row pgx.CollectableRow) (schedule.Record, error) {
	var r schedule.Record
	var outcome string
	var lease, next, finished *time.Time
	err := row.Scan(&r.Job, &r.Slot, &r.Late, &outcome, &r.Attempts, &r.ClaimedBy, &r.ClaimedAt, &r.StartedAt,
		&lease, &next, &finished, &r.Error)
	r.Outcome = schedule.Outcome(outcome)
	r.LeaseUntil, r.NextAttemptAt, r.FinishedAt = deref(lease), deref(next), deref(finished)
	return r, err
}
