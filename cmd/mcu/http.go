package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mcu/schedule"
)

// webhookPath is the path of MCU_WEBHOOK_URL that Telegram posts to.
func webhookPath(cfg *Config) string {
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// httpHandler serves health, readiness, the metrics of reg (GET /metrics,
// when reg is not nil) and, in webhook mode, Telegram's posts (503 until
// the bot is connected). GET /readyz?verbose=1 adds, after "ready", a line
// per scheduled job: its latest run and next slot.
func httpHandler(cfg *Config, db *database, botReady *atomic.Bool, webhook *atomic.Pointer[http.Handler],
	sched *atomic.Pointer[schedule.Scheduler], reg prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	if reg != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}
	if cfg.WebhookURL != "" {
		mux.HandleFunc("POST "+webhookPath(cfg), func(w http.ResponseWriter, r *http.Request) {
			h := webhook.Load()
			if h == nil {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			(*h).ServeHTTP(w, r)
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		if problem := queueTooOld(ctx, cfg, db); problem != "" {
			http.Error(w, problem, http.StatusServiceUnavailable)
			return
		}
		if !botReady.Load() {
			http.Error(w, "bot identity unknown (getMe)", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
		if r.URL.Query().Has("verbose") {
			writeJobs(ctx, w, sched.Load())
		}
	})
	return mux
}

// writeJobs writes the status of every scheduled job, one a line, for
// /readyz?verbose=1. A failed job does not make the instance unready.
func writeJobs(ctx context.Context, w io.Writer, sched *schedule.Scheduler) {
	if sched == nil {
		fmt.Fprintln(w, "jobs: scheduler not started")
		return
	}
	all, err := sched.Status(ctx)
	switch {
	case err != nil:
		fmt.Fprintf(w, "jobs: %v\n", err)
	case len(all) == 0:
		fmt.Fprintln(w, "jobs: none")
	default:
		fmt.Fprintln(w, "jobs:")
		for _, st := range all {
			fmt.Fprintf(w, "  %s\n", st)
		}
	}
}

// queueTooOld says why the outbox makes the instance unready: its oldest
// unsent message (for a chat) is older than MCU_READY_MAX_QUEUE_AGE, or
// the outbox cannot be read. "" when it is fine or the check is off (0).
func queueTooOld(ctx context.Context, cfg *Config, db *database) string {
	if cfg.ReadyMaxQueueAge <= 0 {
		return ""
	}
	_, oldest, _, err := db.OutboxQueue(ctx)
	if err != nil {
		return "database unreachable"
	}
	if age := time.Since(oldest); !oldest.IsZero() && age > cfg.ReadyMaxQueueAge {
		return fmt.Sprintf("outbox: the oldest unsent message has waited %s (MCU_READY_MAX_QUEUE_AGE %s)",
			age.Round(time.Second), cfg.ReadyMaxQueueAge)
	}
	return ""
}
