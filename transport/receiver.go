package transport

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/redact"
	"mcu/tgstate"
)

// Handler handles one update; *tele.Bot implements it with the handlers
// registered on it.
type Handler interface {
	ProcessUpdate(u tele.Update)
}

// ReceiverOptions configure a Receiver. The zero value is usable.
type ReceiverOptions struct {
	Poller PollerOptions // long polling (Save and Logger are filled in)
	Runner RunnerOptions // update handling (Logger and Observer are filled in)
	Inbox  InboxOptions  // retries of updates not handled
	Logger *slog.Logger  // default: discard
	// Observer, when set, is told of updates received and of failed
	// attempts (metrics).
	Observer UpdateObserver
}

// Receiver gets updates in, by long polling or a webhook; keeps each in
// the inbox before it is confirmed to Telegram; and has a Runner hand them
// to the handler in order per chat. It knows nothing of what the updates
// mean.
type Receiver struct {
	api    *tele.Bot // the Bot API's URL and token, for getUpdates and setWebhook
	runner *Runner
	inbox  *inbox
	opts   ReceiverOptions
	logger *slog.Logger
}

// NewReceiver returns a Receiver that gets updates from api and hands them
// to h (usually api itself, with its handlers; api must have been created
// with Synchronous: true and never be started).
func NewReceiver(api *tele.Bot, h Handler, store InboxStore, opts ReceiverOptions) *Receiver {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Inbox.defaults()
	opts.Runner.Logger = opts.Logger
	opts.Poller.Logger = opts.Logger
	opts.Runner.Observer = opts.Observer
	runner := NewRunner(h, opts.Runner)
	return &Receiver{
		api: api, runner: runner, opts: opts, logger: opts.Logger,
		inbox: &inbox{store: store, runner: runner, opts: opts.Inbox, logger: opts.Logger, observer: opts.Observer},
	}
}

// Poll receives updates by long polling until ctx ends, then finishes
// the updates in hand. What an earlier run left in the inbox is handled
// first, and updates whose handling failed are tried again.
func (r *Receiver) Poll(ctx context.Context) error {
	r.inbox.recover(ctx)
	po := r.opts.Poller
	po.Save = r.inbox.keep
	po.Reject = r.inbox.reject
	loopCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); r.inbox.redeliverLoop(loopCtx) }()
	err := RunPolling(ctx, r.api, NewPoller(po), r.runner)
	stop()
	<-done
	return err
}

// SetWebhook tells Telegram to post updates to url with secret in the
// X-Telegram-Bot-Api-Secret-Token header.
func (r *Receiver) SetWebhook(url, secret string) error {
	err := r.api.SetWebhook(&tele.Webhook{
		SecretToken: secret,
		Endpoint:    &tele.WebhookEndpoint{PublicURL: url},
	})
	if err != nil {
		return fmt.Errorf("transport: unable to set webhook: %w", redact.URL(err))
	}
	return nil
}

// DeleteWebhook switches Telegram back to long polling, keeping the
// updates not yet delivered.
func (r *Receiver) DeleteWebhook() error {
	if err := r.api.RemoveWebhook(false); err != nil {
		return fmt.Errorf("transport: unable to delete webhook: %w", redact.URL(err))
	}
	return nil
}

// maxUpdateBytes bounds the body of one webhook request; Telegram's
// updates are far smaller.
const maxUpdateBytes = 1 << 20

// Webhook returns the handler of Telegram's webhook posts. A request
// without the secret is refused (401). A body that is not an update (not
// JSON, no update_id, larger than 1 MiB) is answered 200 — Telegram would
// otherwise deliver it again forever, and the chat's later updates wait
// behind it — logged by size and update_id (nothing of its content) and
// kept in rejected_updates for inspection; 503 when it cannot be kept,
// so that Telegram retries. An update is answered only after it has been
// handled, so a crash meanwhile makes Telegram deliver it again; during
// shutdown the answer is 503 and Telegram retries later.
func (r *Receiver) Webhook(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got := req.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			r.logger.Warn("webhook: request without the right secret token", "remote_addr", req.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxUpdateBytes))
		var tooLarge *http.MaxBytesError
		if err != nil && !errors.As(err, &tooLarge) {
			// The connection broke: nobody is there to answer.
			http.Error(w, "body unreadable", http.StatusBadRequest)
			return
		}
		u, reason := decodeUpdate(body, tooLarge != nil)
		if reason != "" {
			r.reject(req.Context(), w, body, u.ID, reason, tooLarge != nil)
			return
		}
		ctx, cancel := context.WithTimeout(req.Context(), 55*time.Second)
		defer cancel()
		if err := r.inbox.keep(ctx, []tele.Update{u}); err != nil {
			r.logger.Error("webhook: unable to keep the update; Telegram will retry", "update_id", u.ID, "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if err := r.runner.Process(ctx, u); err != nil {
			if !errors.Is(err, ErrRunnerClosed) {
				r.logger.Warn("webhook: update not handled in time", "update_id", u.ID, "error", err)
			}
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// RunWebhook handles what an earlier run left in the inbox and retries
// failed updates until ctx ends, then stops taking webhook updates and
// finishes those in hand.
func (r *Receiver) RunWebhook(ctx context.Context) error {
	r.inbox.recover(ctx)
	r.inbox.redeliverLoop(ctx)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.runner.drainTimeout)
	defer cancel()
	if err := r.runner.Shutdown(sctx); err != nil {
		return fmt.Errorf("transport: %w", err)
	}
	return nil
}

// DecodeUpdate decodes one update as Telegram sends it (a webhook's body,
// an element of getUpdates' result). An error says why it is not an
// update: not JSON of an update, or no positive update_id; the update
// returned with it has then only the update_id, when it could be read.
// telebot's decoders panic on some shapes (a message whose "photo" is an
// empty array): that is an error too, not a crash of the poller.
func DecodeUpdate(raw []byte) (tele.Update, error) {
	var u tele.Update
	if err := unmarshalUpdate(raw, &u); err != nil {
		var id struct {
			ID int `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &id)
		return tele.Update{ID: max(id.ID, 0)}, fmt.Errorf("undecodable: %w", err)
	}
	if u.ID <= 0 {
		return tele.Update{}, errors.New("no update_id")
	}
	// telebot reads the chat of every message it routes (a migration's
	// among them) without looking: Telegram never sends a message without
	// one.
	for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m != nil && m.Chat == nil {
			return tele.Update{ID: u.ID}, errors.New("a message without its chat")
		}
	}
	return u, nil
}

// unmarshalUpdate is json.Unmarshal with telebot's panics turned into
// errors.
func unmarshalUpdate(raw []byte, u *tele.Update) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("telebot cannot decode it: %v", v)
		}
	}()
	return json.Unmarshal(raw, u)
}

// decodeUpdate decodes a webhook body; reason says why it is not an
// update (then u.ID is the update_id if it could be read).
func decodeUpdate(body []byte, truncated bool) (u tele.Update, reason string) {
	if truncated {
		return u, fmt.Sprintf("body larger than %d bytes", maxUpdateBytes)
	}
	u, err := DecodeUpdate(body)
	if err != nil {
		return u, err.Error()
	}
	return u, ""
}

// reject answers 200 to a post that is not an update, once it is kept
// for inspection. The log names its size and update_id, never its content.
func (r *Receiver) reject(ctx context.Context, w http.ResponseWriter, body []byte, updateID int, reason string, truncated bool) {
	size := len(body)
	if truncated {
		size = -1 // more than the limit; how much more is unknown
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := r.inbox.store.SaveRejected(ctx, tgstate.RejectedUpdate{
		UpdateID: int64(updateID), Size: len(body), Body: body, Reason: reason,
	})
	if err != nil {
		r.logger.Error("webhook: unable to keep an update that cannot be decoded; Telegram will retry",
			"update_id", updateID, "bytes", size, "error", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	r.logger.Warn("webhook: an update that cannot be decoded is kept in rejected_updates and not handled",
		"update_id", updateID, "bytes", size, "truncated", truncated)
	w.WriteHeader(http.StatusOK)
}
