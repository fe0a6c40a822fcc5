package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mcu/bot"
	"mcu/delivery"
	"mcu/metrics"
	"mcu/outbox"
	"mcu/schedule"
	"mcu/transport"
	"mcu/workflow"
)

// Main is the running program of mcu serve: Run starts the database, the
// HTTP endpoints, the bot, the outbox dispatcher and the scheduler; Close
// stops them in order. Tests start it whole.
type Main struct {
	Config *Config
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
	// Jobs returns the scheduled jobs; default defaultJobs (jobs.go).
	Jobs func(JobDeps) []schedule.Job
	// Page, when set, is served at MCU_HTTP_ADDR besides /healthz,
	// /readyz and /metrics (mcu demo's page).
	Page http.Handler
	// Pace, when set, replaces the dispatcher's pacing (by default
	// MCU_SEND_PER_SECOND and Telegram's limits per chat); mcu demo's
	// Telegram has no flood limits.
	Pace *delivery.PaceOptions
	// SenderRetry is how often an instance that does not send the outbox
	// tries to become its sender; default 3s.
	SenderRetry time.Duration

	db        *database
	registry  *prometheus.Registry // of /metrics; created once in Run
	metrics   *metrics.Metrics
	listener  net.Listener // MCU_HTTP_ADDR, taken before anything starts
	http      *http.Server
	botReady  atomic.Bool
	webhook   atomic.Pointer[http.Handler]
	scheduler atomic.Pointer[schedule.Scheduler]

	stop     context.CancelFunc // ends the bot, the dispatcher and the scheduler
	parts    sync.WaitGroup
	errs     chan error
	done     chan struct{} // closed when a part stops
	doneOnce sync.Once
}

// Run starts everything and returns once updates are on their way; it
// waits (with backoff) while Telegram is unreachable, until ctx ends.
// Whatever Run returns, call Close.
func (m *Main) Run(ctx context.Context) error {
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Jobs == nil {
		m.Jobs = defaultJobs
	}
	m.errs, m.done = make(chan error, 4), make(chan struct{})
	cfg, logger := m.Config, m.Logger
	// The address first: one in use is a configuration error, found
	// before the private cluster starts.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return bad("MCU_HTTP_ADDR", "cannot listen: %v", err)
	}
	m.listener = ln
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	m.db = db
	m.registry = prometheus.NewRegistry()
	m.metrics = metrics.New(m.registry, db)
	if err := m.startHTTP(); err != nil {
		return err
	}
	svc := m.service()
	b, err := connectBot(ctx, cfg, svc, db, m.metrics, logger)
	if err != nil {
		return err
	}
	logger.Info("bot connected", "username", b.Username())
	if err := b.Commands(); err != nil {
		logger.Warn("set commands", "error", err)
	}
	receive, err := m.receiver(b)
	if err != nil {
		return err
	}
	pace := cfg.pace()
	if m.Pace != nil {
		pace = *m.Pace
	}
	disp := delivery.NewDispatcher(db, b.Telegram(), delivery.DispatcherOptions{
		Location: cfg.Location, Logger: logger, Directions: b.Directions, Admins: cfg.AdminIDs, Pace: pace,
	})
	sched, err := schedule.New(db, m.Jobs(JobDeps{Config: cfg, DB: db.DB, Service: svc, Calendar: svc.Calendar.(*workflow.Calendar), Bot: b, Logger: logger, Now: m.Now}),
		schedule.Options{Location: cfg.Location, Now: m.Now, Logger: logger})
	if err != nil {
		return err
	}
	m.scheduler.Store(sched)
	m.botReady.Store(true) // identity known, updates on their way
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = stop
	m.goPart("bot", receive, runCtx)
	m.goPart("dispatcher", m.sendElected(disp), runCtx)
	m.goPart("scheduler", sched.Run, runCtx)
	m.goPart("announcements", func(ctx context.Context) error { return b.RunAnnouncements(ctx, 2*time.Second) }, runCtx)
	return nil
}

// sendElected runs the dispatcher while this instance holds the outbox
// sender lock, so that of several instances on one database one sends
// and Telegram's flood limits hold for them all (delivery.RunElected);
// mcu_outbox_sender says which.
func (m *Main) sendElected(disp *delivery.Dispatcher) func(context.Context) error {
	return func(ctx context.Context) error {
		lock := m.db.SenderLock()
		defer lock.Close()
		return disp.RunElected(ctx, lock, delivery.ElectOptions{Retry: m.SenderRetry, Observe: m.metrics.OutboxSender})
	}
}

// Done is closed when a part (the bot, the dispatcher, the scheduler,
// HTTP) has stopped by itself, or when Close stops them.
func (m *Main) Done() <-chan struct{} { return m.done }

// Close stops in order: stop taking updates and finish those in hand,
// drain the outbox for a bounded time (the dispatcher's DrainTimeout)
// while the scheduled runs in hand finish (the scheduler's StopGrace),
// stop HTTP, close the pool and, last, the private cluster. It returns
// what the parts failed with.
func (m *Main) Close() error {
	if m.stop != nil {
		m.Logger.Info("shutting down")
		m.stop()
	}
	m.parts.Wait()
	if m.http == nil && m.listener != nil {
		_ = m.listener.Close() // taken, never served
	}
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.http.Shutdown(ctx); err != nil {
			m.Logger.Warn("http shutdown", "error", err)
		}
	}
	if m.db != nil {
		m.db.close()
	}
	var all []error
	for {
		select {
		case err := <-m.errs:
			all = append(all, err)
		default:
			return errors.Join(all...)
		}
	}
}

// goPart runs a part until it returns, keeping its error.
func (m *Main) goPart(name string, run func(context.Context) error, ctx context.Context) {
	m.parts.Go(func() {
		if err := run(ctx); err != nil {
			m.errs <- fmt.Errorf("%s: %w", name, err)
		}
		m.doneOnce.Do(func() { close(m.done) })
	})
}

// startHTTP serves health, readiness and the webhook on the listener of
// MCU_HTTP_ADDR.
func (m *Main) startHTTP() error {
	ln := m.listener
	h := httpHandler(m.Config, m.db, &m.botReady, &m.webhook, &m.scheduler, m.registry)
	if m.Page != nil {
		mux := http.NewServeMux()
		mux.Handle("/", m.Page)
		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			mux.Handle(path, h)
		}
		h = mux
	}
	m.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.errs <- fmt.Errorf("http: %w", err)
			m.doneOnce.Do(func() { close(m.done) })
		}
	}()
	m.Logger.Info("http listening", "addr", ln.Addr().String())
	return nil
}

// service is the workflow with the calendar, warning of a year not
// decreed (this one or the next).
func (m *Main) service() *workflow.Service {
	cfg := m.Config
	cal := calendar(cfg, m.Logger)
	for year := m.Now().In(cfg.Location).Year(); year <= m.Now().In(cfg.Location).Year()+1; year++ {
		if !cal.Known(year) {
			m.Logger.Warn("production calendar: year not decreed; its deadlines count Labour Code art. 112 days (add the decree with MCU_CALENDAR_FILE)",
				"year", year)
		}
	}
	return &workflow.Service{
		Store: m.db, Calendar: cal, Location: cfg.Location, Logger: m.Logger, Now: m.Now,
		Admins: cfg.AdminIDs, AppealsPerHour: cfg.AppealsPerHour, Observer: m.metrics,
	}
}

// receiver sets up how updates come in (a webhook when MCU_WEBHOOK_URL
// is set, long polling otherwise) and returns what receives them.
func (m *Main) receiver(b *bot.Bot) (func(context.Context) error, error) {
	rx := b.Updates()
	if m.Config.WebhookURL == "" {
		if err := rx.DeleteWebhook(); err != nil {
			m.Logger.Warn("delete webhook before polling", "error", err)
		}
		return rx.Poll, nil
	}
	h := rx.Webhook(m.Config.WebhookSecret)
	m.webhook.Store(&h)
	if err := rx.SetWebhook(m.Config.WebhookURL, m.Config.WebhookSecret); err != nil {
		return nil, err
	}
	m.Logger.Info("receiving updates by webhook", "path", webhookPath(m.Config))
	return rx.RunWebhook, nil
}

// connectBot calls getMe until Telegram answers (with backoff), so that a
// network outage at start delays the bot rather than killing it.
// The Bot API calls go through mx's Transport, and mx counts the updates.
func connectBot(ctx context.Context, cfg *Config, svc *workflow.Service, db *database, mx *metrics.Metrics,
	logger *slog.Logger) (*bot.Bot, error) {
	delay := time.Second
	cal := svc.Calendar.(*workflow.Calendar)
	for {
		b, err := bot.New(bot.Options{
			Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL, Service: svc, Store: db,
			Location: cfg.Location, Logger: logger, OperatorName: cfg.OperatorName,
			Client:  &http.Client{Timeout: 30 * time.Second, Transport: mx.Transport(bot.NewTransport())},
			Updates: transport.ReceiverOptions{Observer: mx},
			Digest: func(ctx context.Context, now time.Time) (outbox.Prepared, error) {
				return composeDigest(ctx, cfg, db.DB, cal, now, "")
			},
			Report: func(ctx context.Context, month string, now time.Time) (outbox.Prepared, error) {
				return reportFor(ctx, cfg, db.DB, cal, month, now)
			},
		})
		if err == nil {
			return b, nil
		}
		if errors.Is(err, bot.ErrUnauthorized) {
			return nil, bad("MCU_TELEGRAM_TOKEN", "telegram rejected the token (401 Unauthorized)")
		}
		logger.Warn("telegram unreachable; retrying", "error", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}
