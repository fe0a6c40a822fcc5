package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	scrapeOKDesc = prometheus.NewDesc("mcu_database_scrape_ok",
		"1 when the database answered this scrape's queries within the timeout, 0 otherwise (the database's metrics are then left out).", nil, nil)
	outboxDepthDesc = prometheus.NewDesc("mcu_outbox_depth",
		"Outbox messages for a chat neither sent nor given up.", nil, nil)
	outboxAgeDesc = prometheus.NewDesc("mcu_outbox_oldest_age_seconds",
		"Age of the oldest of those messages (0 when none waits).", nil, nil)
	outboxUnboundDesc = prometheus.NewDesc("mcu_outbox_unbound",
		"Outbox messages waiting for a chat to be bound to their purpose.", nil, nil)
	appealsDesc = prometheus.NewDesc("mcu_appeals",
		"Appeals by state and direction (triage: none yet).", []string{"state", "direction"}, nil)
	jobRunsDesc = prometheus.NewDesc("mcu_job_runs",
		"Runs of scheduled jobs recorded in job_runs, by job and outcome (running, retrying, succeeded, failed, skipped).",
		[]string{"job", "outcome"}, nil)
)

// storeCollector reads the database at scrape time, bounded by
// ScrapeTimeout.
type storeCollector struct {
	src Source
	now func() time.Time
}

func newStoreCollector(src Source, now func() time.Time) *storeCollector {
	return &storeCollector{src: src, now: now}
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{scrapeOKDesc, outboxDepthDesc, outboxAgeDesc, outboxUnboundDesc, appealsDesc, jobRunsDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: all or nothing, so that a
// dashboard never mixes a fresh outbox with missing appeals.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	ok := func() bool {
		depth, oldest, unbound, err := c.src.OutboxQueue(ctx)
		if err != nil {
			return false
		}
		age := 0.0
		if !oldest.IsZero() {
			age = max(c.now().Sub(oldest).Seconds(), 0)
		}
		gauge(outboxDepthDesc, float64(depth))
		gauge(outboxAgeDesc, age)
		gauge(outboxUnboundDesc, float64(unbound))
		err = c.src.CountAppeals(ctx, func(state, direction string, n int) {
			if direction == "" {
				direction = "triage"
			}
			gauge(appealsDesc, float64(n), state, direction)
		})
		if err != nil {
			return false
		}
		return c.src.CountJobRuns(ctx, func(job, outcome string, n int) {
			gauge(jobRunsDesc, float64(n), job, outcome)
		}) == nil
	}()
	if !ok {
		ch <- prometheus.MustNewConstMetric(scrapeOKDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(scrapeOKDesc, prometheus.GaugeValue, 1)
	for _, m := range out {
		ch <- m
	}
}
