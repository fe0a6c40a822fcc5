package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeSource answers the collector's queries; failJobs makes the last
// one fail.
type fakeSource struct {
	oldest   time.Time
	failJobs bool
}

func (s fakeSource) OutboxQueue(context.Context) (int, time.Time, int, error) {
	return 3, s.oldest, 1, nil
}

func (s fakeSource) CountAppeals(_ context.Context, fn func(state, direction string, n int)) error {
	fn("assigned", "housing", 2)
	fn("registered", "", 1)
	return nil
}

func (s fakeSource) CountJobRuns(_ context.Context, fn func(job, outcome string, n int)) error {
	if s.failJobs {
		return errors.New("job_runs: connection reset")
	}
	fn("digest", "succeeded", 4)
	return nil
}

// TestStoreCollector: the database's gauges as read at scrape time, the
// triage for an appeal without a direction; and all of them left out, with
// mcu_database_scrape_ok 0, when any query fails.
func TestStoreCollector(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	reg.MustRegister(newStoreCollector(fakeSource{oldest: now.Add(-90 * time.Second)}, func() time.Time { return now }))
	want := `
# HELP mcu_appeals Appeals by state and direction (triage: none yet).
# TYPE mcu_appeals gauge
mcu_appeals{direction="housing",state="assigned"} 2
mcu_appeals{direction="triage",state="registered"} 1
# HELP mcu_database_scrape_ok 1 when the database answered this scrape's queries within the timeout, 0 otherwise (the database's metrics are then left out).
# TYPE mcu_database_scrape_ok gauge
mcu_database_scrape_ok 1
# HELP mcu_job_runs Runs of scheduled jobs recorded in job_runs, by job and outcome (running, retrying, succeeded, failed, skipped).
# TYPE mcu_job_runs gauge
mcu_job_runs{job="digest",outcome="succeeded"} 4
# HELP mcu_outbox_depth Outbox messages for a chat neither sent nor given up.
# TYPE mcu_outbox_depth gauge
mcu_outbox_depth 3
# HELP mcu_outbox_oldest_age_seconds Age of the oldest of those messages (0 when none waits).
# TYPE mcu_outbox_oldest_age_seconds gauge
mcu_outbox_oldest_age_seconds 90
# HELP mcu_outbox_unbound Outbox messages waiting for a chat to be bound to their purpose.
# TYPE mcu_outbox_unbound gauge
mcu_outbox_unbound 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}

	failing := prometheus.NewRegistry()
	failing.MustRegister(newStoreCollector(fakeSource{failJobs: true}, time.Now))
	if n, err := testutil.GatherAndCount(failing); err != nil || n != 1 {
		t.Errorf("a failed query: %d series (%v), want only mcu_database_scrape_ok", n, err)
	}
	if err := testutil.GatherAndCompare(failing, strings.NewReader(`
# HELP mcu_database_scrape_ok 1 when the database answered this scrape's queries within the timeout, 0 otherwise (the database's metrics are then left out).
# TYPE mcu_database_scrape_ok gauge
mcu_database_scrape_ok 0
`)); err != nil {
		t.Error(err)
	}
}
