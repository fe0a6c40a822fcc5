// Package metrics keeps MCU's Prometheus metrics (prefix mcu_) in a
// registry that cmd/mcu creates and serves at GET /metrics. The parts of
// the program do not import it: each names a small observer interface
// (workflow.Observer, transport.UpdateObserver) that Metrics implements,
// Telegram calls are counted by wrapping the HTTP client's RoundTripper,
// and what PostgreSQL holds (the outbox, appeals, job runs) is read at
// scrape time by a collector. The metrics are listed in docs/metrics.md.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mcu/workflow"
)

// Source is what the scrape-time collector reads; storage.DB implements
// it.
type Source interface {
	// OutboxQueue returns how many messages for a chat wait, when the
	// oldest was queued (zero when none), and how many wait for a chat to
	// be bound.
	OutboxQueue(ctx context.Context) (depth int, oldest time.Time, unbound int, err error)
	CountAppeals(ctx context.Context, fn func(state, direction string, n int)) error
	CountJobRuns(ctx context.Context, fn func(job, outcome string, n int)) error
}

// Metrics counts what happens in the program. Create it with New; its
// methods are safe for concurrent use.
type Metrics struct {
	updatesReceived *prometheus.CounterVec
	updatesFailed   *prometheus.CounterVec
	eventsApplied   *prometheus.CounterVec
	eventsRefused   *prometheus.CounterVec
	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	retryAfter      *prometheus.HistogramVec
	sender          prometheus.Gauge
}

// ScrapeTimeout bounds the queries of one scrape; on timeout or error
// mcu_database_scrape_ok is 0 and the database's metrics are left out.
const ScrapeTimeout = 3 * time.Second

// New registers MCU's metrics in reg, with a collector that reads src at
// each scrape (nil: none).
func New(reg prometheus.Registerer, src Source) *Metrics {
	m := &Metrics{
		updatesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcu_updates_received_total",
			Help: "Telegram updates received (long polling or webhook), by update type.",
		}, []string{"type"}),
		updatesFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcu_updates_failed_total",
			Help: "Attempts at handling a Telegram update that failed (an error or a panic; the update is tried again), by update type.",
		}, []string{"type"}),
		eventsApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcu_workflow_events_applied_total",
			Help: "Workflow events applied to appeals, by event.",
		}, []string{"event"}),
		eventsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcu_workflow_events_refused_total",
			Help: "Workflow events refused, by event and error code (invalid, forbidden, conflict, not_found, limited).",
		}, []string{"event", "code"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcu_telegram_requests_total",
			Help: "Bot API calls (sends, edits, answers; not getUpdates), by method and result: ok, 429, 403, 4xx, 5xx, error (no answer).",
		}, []string{"method", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mcu_telegram_request_duration_seconds",
			Help:    "Time a Bot API call took until Telegram's answer's headers, by method.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method"}),
		retryAfter: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mcu_telegram_retry_after_seconds",
			Help:    "Waits Telegram asked for in 429 answers (retry_after), by method.",
			Buckets: []float64{1, 2, 5, 10, 30, 60, 300, 1800},
		}, []string{"method"}),
		sender: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcu_outbox_sender",
			Help: "1 while this instance holds the outbox sender lock and sends the outbox; 0 while it stands by.",
		}),
	}
	reg.MustRegister(m.updatesReceived, m.updatesFailed, m.eventsApplied, m.eventsRefused,
		m.requests, m.latency, m.retryAfter, m.sender)
	if src != nil {
		reg.MustRegister(newStoreCollector(src, time.Now))
	}
	return m
}

// UpdateReceived counts an update received (transport.UpdateObserver).
func (m *Metrics) UpdateReceived(typ string) { m.updatesReceived.WithLabelValues(typ).Inc() }

// UpdateFailed counts a failed attempt at an update
// (transport.UpdateObserver).
func (m *Metrics) UpdateFailed(typ string) { m.updatesFailed.WithLabelValues(typ).Inc() }

// EventApplied counts an event applied (workflow.Observer).
func (m *Metrics) EventApplied(e workflow.Event) { m.eventsApplied.WithLabelValues(string(e)).Inc() }

// EventRefused counts an event refused (workflow.Observer).
func (m *Metrics) EventRefused(e workflow.Event, code string) {
	m.eventsRefused.WithLabelValues(string(e), code).Inc()
}

// OutboxSender records whether this instance is the outbox's sender
// (delivery.ElectOptions.Observe).
func (m *Metrics) OutboxSender(sender bool) {
	if sender {
		m.sender.Set(1)
	} else {
		m.sender.Set(0)
	}
}

var _ workflow.Observer = (*Metrics)(nil)
