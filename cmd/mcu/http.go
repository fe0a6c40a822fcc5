package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

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
