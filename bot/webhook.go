package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mcu/internal/redact"
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"
)

// maxUpdateBytes bounds the body of one webhook request; Telegram's
// updates are far smaller.
const maxUpdateBytes = 1 << 20

// SetWebhook tells Telegram to post updates to url with secret in the
// X-Telegram-Bot-Api-Secret-Token header.
func (b *Bot) SetWebhook(url, secret string) error {
	err := b.tg.SetWebhook(&tele.Webhook{
		SecretToken: secret,
		Endpoint:    &tele.WebhookEndpoint{PublicURL: url},
	})
	if err != nil {
		return fmt.Errorf("bot: unable to set webhook: %w", redact.URL(err))
	}
	return nil
}

// DeleteWebhook switches Telegram back to long polling, keeping the
// updates not yet delivered.
func (b *Bot) DeleteWebhook() error {
	if err := b.tg.RemoveWebhook(false); err != nil {
		return fmt.Errorf("bot: unable to delete webhook: %w", redact.URL(err))
	}
	return nil
}

// WebhookHandler returns the handler of Telegram's webhook posts. A
// request without the secret is refused (401); a malformed body is
// refused (400). An update is answered only after it has been handled, so
// a crash meanwhile makes Telegram deliver it again; during shutdown the
// answer is 503 and Telegram retries later.
func (b *Bot) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			b.logger.Warn("webhook: request without the right secret token", "remote_addr", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusBadRequest)
			return
		}
		var u tele.Update
		if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
			b.logger.Warn("webhook: malformed update", "error", err, "bytes", len(body))
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 55*time.Second)
		defer cancel()
		if err := b.keepUpdates(ctx, []tele.Update{u}); err != nil {
			b.logger.Error("webhook: unable to keep the update; Telegram will retry", "update_id", u.ID, "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if err := b.runner.Process(ctx, u); err != nil {
			status := http.StatusServiceUnavailable
			if !errors.Is(err, ErrRunnerClosed) {
				b.logger.Warn("webhook: update not handled in time", "update_id", u.ID, "error", err)
			}
			http.Error(w, "try again", status)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// RunWebhook handles what an earlier run left in the inbox and retries
// failed updates until ctx ends, then stops taking webhook updates and
// finishes those in hand.
func (b *Bot) RunWebhook(ctx context.Context) error {
	if err := b.recoverInbox(ctx); err != nil && ctx.Err() == nil {
		b.logger.WarnContext(ctx, "inbox: unable to recover unhandled updates; will retry", "error", err)
	}
	b.redeliverLoop(ctx)
	drain := b.opts.Runner.DrainTimeout
	if drain <= 0 {
		drain = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	if err := b.runner.Shutdown(sctx); err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	return nil
}
