package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"mcu/bot"
	"mcu/delivery"
	"mcu/workflow"
)

// serve runs the bot, the dispatcher and the HTTP endpoints until ctx
// ends, then stops them in order: stop taking updates and finish those in
// hand, drain the outbox for a bounded time, stop HTTP, close the pool.
func serve(ctx context.Context, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := LoadConfig(getenv, true)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.close()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return bad("MCU_HTTP_ADDR", "cannot listen: %v", err)
	}
	var botReady atomic.Bool
	var webhook atomic.Pointer[http.Handler]
	httpSrv := &http.Server{Handler: httpHandler(cfg, db, &botReady, &webhook), ReadHeaderTimeout: 10 * time.Second}
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpSrv.Serve(ln) }()
	logger.Info("http listening", "addr", ln.Addr().String())
	defer func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutCtx)
	}()

	cal := workflow.NewCalendar(logger, cfg.CalendarDays)
	for year := time.Now().In(cfg.Location).Year(); year <= time.Now().In(cfg.Location).Year()+1; year++ {
		if !cal.Known(year) {
			logger.Warn("production calendar: year not decreed; its deadlines count Labour Code art. 112 days (add the decree with MCU_CALENDAR_FILE)",
				"year", year)
		}
	}
	svc := &workflow.Service{
		Store: db, Calendar: cal, Location: cfg.Location, Logger: logger,
		Admins: cfg.AdminIDs, AppealsPerHour: cfg.AppealsPerHour,
	}
	b, err := connectBot(ctx, cfg, svc, db, logger)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while Telegram was unreachable
		}
		return err
	}
	logger.Info("bot connected", "username", b.Username())
	if err := b.Commands(); err != nil {
		logger.Warn("set commands", "error", err)
	}

	disp := delivery.NewDispatcher(db, b.Telegram(), delivery.DispatcherOptions{
		Location: cfg.Location, Logger: logger, Directions: b.Directions,
	})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	receive := b.Run
	if cfg.WebhookURL != "" {
		h := b.Updates().Webhook(cfg.WebhookSecret)
		webhook.Store(&h)
		if err := b.Updates().SetWebhook(cfg.WebhookURL, cfg.WebhookSecret); err != nil {
			return err
		}
		logger.Info("receiving updates by webhook", "path", webhookPath(cfg))
		receive = b.Updates().RunWebhook
	} else if err := b.Updates().DeleteWebhook(); err != nil {
		logger.Warn("delete webhook before polling", "error", err)
	}
	botReady.Store(true) // identity known, updates on their way
	wg.Go(func() {
		if err := receive(runCtx); err != nil {
			errs <- fmt.Errorf("bot: %w", err)
		}
		stop()
	})
	wg.Go(func() {
		if err := disp.Run(runCtx); err != nil {
			errs <- fmt.Errorf("dispatcher: %w", err)
		}
	})
	select {
	case <-runCtx.Done():
	case err := <-httpDone:
		stop()
		wg.Wait()
		return fmt.Errorf("http: %w", err)
	}
	logger.Info("shutting down")
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if ctx.Err() == nil && len(all) == 0 {
		return errors.New("stopped unexpectedly")
	}
	return errors.Join(all...)
}

// connectBot calls getMe until Telegram answers (with backoff), so that a
// network outage at start delays the bot rather than killing it.
func connectBot(ctx context.Context, cfg *Config, svc *workflow.Service, db *database, logger *slog.Logger) (*bot.Bot, error) {
	delay := time.Second
	for {
		b, err := bot.New(bot.Options{
			Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL, Service: svc, Store: db,
			Location: cfg.Location, Logger: logger, OperatorName: cfg.OperatorName,
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

// webhookPath is the path of MCU_WEBHOOK_URL that Telegram posts to.
func webhookPath(cfg *Config) string {
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// httpHandler serves health, readiness and, in webhook mode, Telegram's
// posts (503 until the bot is connected).
func httpHandler(cfg *Config, db *database, botReady *atomic.Bool, webhook *atomic.Pointer[http.Handler]) http.Handler {
	mux := http.NewServeMux()
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
		if !botReady.Load() {
			http.Error(w, "bot identity unknown (getMe)", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}
