package schedule

import (
	"context"
	"time"
)

// Outcome is where a run stands.
type Outcome string

// The outcomes of a run (job_runs.outcome).
const (
	Running   Outcome = "running"   // an attempt is in hand until LeaseUntil
	Retrying  Outcome = "retrying"  // the last attempt failed; the next is due at NextAttemptAt
	Succeeded Outcome = "succeeded" // done
	Failed    Outcome = "failed"    // given up: attempts exhausted, or the next slot came first
	Skipped   Outcome = "skipped"   // not run: the slot came before the job was first scheduled
)

// Record is the run of a job for one slot, as the store keeps it (a row
// of job_runs). Zero times are absent ones.
type Record struct {
	Job           string
	Slot          time.Time
	Late          bool // the run started more than Options.LateAfter after its slot
	Outcome       Outcome
	Attempts      int       // attempts started, the one in hand included
	ClaimedBy     string    // the instance of the latest attempt
	ClaimedAt     time.Time // when the latest attempt started
	StartedAt     time.Time // when the first attempt started
	LeaseUntil    time.Time // Running: the claim holds until then
	NextAttemptAt time.Time // Retrying: the next attempt is due then
	FinishedAt    time.Time // Succeeded, Failed, Skipped
	Error         string    // the latest attempt's error
}

// Store keeps the runs of jobs, one Record per job and slot; storage.DB
// implements it on the table job_runs. Each method is one transaction
// holding a lock of the job, so that instances deciding about the same job
// take turns and each sees what the one before wrote.
type Store interface {
	// ClaimRun reads the job's latest run (the greatest slot; nil when it
	// has none), passes it to decide, and writes the records decide
	// returns, each inserted or replacing the job's record of its slot.
	ClaimRun(ctx context.Context, job string, decide func(last *Record) []Record) error
	// FinishRun writes r, the outcome of attempt r.Attempts by
	// r.ClaimedBy, if that attempt is still the one in hand of its run. It
	// returns false, writing nothing, when it is not: its lease expired and
	// another instance took the run over.
	FinishRun(ctx context.Context, r Record) (bool, error)
	// LatestRuns returns the latest run of each job named that has one.
	LatestRuns(ctx context.Context, jobs []string) ([]Record, error)
}
