package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mcu/internal/backoff"
	"mcu/internal/redact"
	"mcu/tgstate"
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"
)

// Poller defaults.
const (
	defaultPollTimeout = 25 * time.Second
	defaultMinBackoff  = 250 * time.Millisecond
	defaultMaxBackoff  = 30 * time.Second

	// requestSlack is added to the long poll timeout to get the deadline of
	// one getUpdates request, so that a connection that hangs silently is
	// given up on instead of blocking the poller forever.
	requestSlack = 15 * time.Second

	// maxResponseSize bounds the body of one getUpdates response.
	maxResponseSize = 64 << 20
)

// PollerOptions configures a Poller. The zero value is usable.
type PollerOptions struct {
	// Timeout is the long poll timeout sent to getUpdates; Telegram holds
	// the request open this long when there is nothing to deliver.
	// Default 25s.
	Timeout time.Duration

	// Limit is the maximum number of updates per getUpdates call (1-100).
	// Zero leaves Telegram's default of 100.
	Limit int

	// AllowedUpdates lists the update types to receive, for example
	// "message" and "callback_query". Nil omits the parameter, and Telegram
	// keeps the list given last time (initially every type except
	// chat_member, message_reaction and message_reaction_count).
	AllowedUpdates []string

	// MinBackoff is the shortest delay after a failed getUpdates and the
	// floor of every delay. Default 250ms.
	MinBackoff time.Duration

	// MaxBackoff caps the delay between failed getUpdates calls, except
	// that a longer retry_after from a 429 answer is always honoured.
	// Default 30s.
	MaxBackoff time.Duration

	// Save, when set, stores each batch of updates before they are handed
	// on; a batch that cannot be saved is not confirmed to Telegram and is
	// fetched again after a backoff. This is what keeps updates safe from
	// a crash between their receipt and their handling.
	Save func(ctx context.Context, updates []tele.Update) error

	// Reject, when set, keeps for inspection the updates of a batch that
	// cannot be decoded (they are skipped, as retrying them would stall
	// the bot forever). Like Save, a batch whose rejects cannot be kept is
	// not confirmed and is fetched again after a backoff.
	Reject func(ctx context.Context, rejected []tgstate.RejectedUpdate) error

	// Client makes the HTTP requests. It must not have a Timeout shorter
	// than the long poll Timeout; the poller sets a per-request deadline
	// itself. Default: a new http.Client using http.DefaultTransport.
	Client *http.Client

	// Logger receives one record per failed getUpdates call. Default:
	// discard.
	Logger *slog.Logger

	// Rand returns a pseudo-random number in [0, 1) for the backoff jitter.
	// Default math/rand/v2.Float64; tests may make it constant.
	Rand func() float64
}

// Poller is a tele.Poller that long-polls getUpdates with exponential
// backoff and jitter on failures, honours retry_after on 429 answers, and
// stops promptly, even in the middle of a long poll or a backoff delay, when
// its stop channel is closed.
//
// It calls the Bot API itself, with b.URL and b.Token, rather than through
// b.Raw: b.Raw cannot be cancelled by the caller, treats a non-JSON error
// page (a 502 from a proxy) as success, and its transport errors contain
// the request URL, token included.
//
// Delivery is at least once: the offset that confirms updates to Telegram is
// sent with the next getUpdates call, so updates handed to dest just before
// a stop are delivered again after a restart. The update id is recorded
// with the update's effects (see bot.processOnce), which makes that harmless.
type Poller struct {
	opts PollerOptions

	// offset is the next update id to ask for; it is only touched by Poll.
	offset int

	// sleep waits for d or until ctx is done; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewPoller returns a Poller with the given options, defaults filled in.
func NewPoller(opts PollerOptions) *Poller {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultPollTimeout
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = defaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = defaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	return &Poller{opts: opts, sleep: backoff.Sleep}
}

// Poll implements tele.Poller. It sends each update to dest in order and
// returns soon after stop is closed; it never closes dest or stop. Poll
// keeps the offset between calls, so it may be called again after it
// returns, but not concurrently.
func (p *Poller) Poll(b *tele.Bot, dest chan tele.Update, stop chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()

	attempt := 0 // consecutive failures
	for {
		select {
		case <-stop:
			return
		default:
		}

		updates, rejected, last, err := p.getUpdates(ctx, b)
		if err != nil {
			if ctx.Err() != nil {
				return // stopped: the request was cancelled, not failed
			}
			attempt++
			delay := p.delay(attempt, err)
			p.logFailure(err, attempt, delay)
			if p.sleep(ctx, delay) != nil {
				return
			}
			continue
		}
		if err := p.keep(ctx, updates, rejected); err != nil {
			if ctx.Err() != nil {
				return
			}
			attempt++
			delay := p.delay(attempt, err)
			p.opts.Logger.Error("telegram: unable to keep received updates; they stay unconfirmed and are fetched again",
				slog.Int("updates", len(updates)+len(rejected)), slog.String("error", err.Error()),
				slog.Int("attempt", attempt), slog.Duration("next_delay", delay))
			if p.sleep(ctx, delay) != nil {
				return
			}
			continue
		}
		if attempt > 0 {
			p.opts.Logger.Info("telegram: getUpdates recovered", slog.Int("failed_attempts", attempt))
			attempt = 0
		}

		for _, u := range updates {
			select {
			case dest <- u:
				p.offset = u.ID + 1
			case <-ctx.Done():
				return
			}
		}
		// Skip past updates that could not be decoded, now that everything
		// before them has been delivered.
		if last >= p.offset {
			p.offset = last + 1
		}
	}
}

// delay returns how long to wait after the attempt-th consecutive failure:
// uniformly random in [MinBackoff, min(MaxBackoff, MinBackoff·2^attempt)]
// ("full jitter" above a floor, so that no delay is ever shorter than
// MinBackoff), or the retry_after of a 429 answer if that is longer.
func (p *Poller) delay(attempt int, err error) time.Duration {
	lo, hi := p.opts.MinBackoff, p.opts.MaxBackoff
	ceil := lo
	for i := 0; i < attempt && ceil < hi; i++ {
		ceil *= 2
	}
	ceil = min(ceil, hi)
	d := lo + time.Duration(p.opts.Rand()*float64(ceil-lo))

	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.retryAfter > d {
		d = apiErr.retryAfter
	}
	return d
}

// logFailure logs a failed getUpdates call (its error holds no URL, and so
// no token: see getUpdates).
func (p *Poller) logFailure(err error, attempt int, delay time.Duration) {
	text := err.Error()
	attrs := []slog.Attr{
		slog.String("error", text),
		slog.Int("attempt", attempt),
		slog.Duration("next_delay", delay),
	}

	var apiErr *apiError
	if !errors.As(err, &apiErr) {
		p.opts.Logger.LogAttrs(context.Background(), slog.LevelWarn, "telegram: getUpdates failed", attrs...)
		return
	}
	attrs = append(attrs, slog.Int("status", apiErr.status))
	switch {
	case apiErr.status == http.StatusConflict || apiErr.code == http.StatusConflict:
		p.opts.Logger.LogAttrs(context.Background(), slog.LevelError,
			"telegram: getUpdates conflict: another process is polling with this token, or a webhook is set (deleteWebhook switches back to polling)",
			attrs...)
	case apiErr.status == http.StatusUnauthorized || apiErr.status == http.StatusNotFound:
		p.opts.Logger.LogAttrs(context.Background(), slog.LevelError,
			"telegram: getUpdates rejected: check the bot token and API URL", attrs...)
	case apiErr.retryAfter > 0:
		attrs = append(attrs, slog.Duration("retry_after", apiErr.retryAfter))
		p.opts.Logger.LogAttrs(context.Background(), slog.LevelWarn, "telegram: getUpdates rate limited", attrs...)
	default:
		p.opts.Logger.LogAttrs(context.Background(), slog.LevelWarn, "telegram: getUpdates failed", attrs...)
	}
}

// keep saves a batch's updates (Save) and its undecodable ones (Reject).
func (p *Poller) keep(ctx context.Context, updates []tele.Update, rejected []tgstate.RejectedUpdate) error {
	if p.opts.Save != nil && len(updates) > 0 {
		if err := p.opts.Save(ctx, updates); err != nil {
			return err
		}
	}
	if p.opts.Reject != nil && len(rejected) > 0 {
		if err := p.opts.Reject(ctx, rejected); err != nil {
			return fmt.Errorf("keep %d updates that cannot be decoded: %w", len(rejected), err)
		}
	}
	return nil
}

// getUpdates makes one getUpdates call. It returns the updates that could be
// decoded, in order, those that could not (they are logged and skipped, as
// retrying them would stall the bot forever), and the highest update id
// seen, including those of updates that could not be decoded.
func (p *Poller) getUpdates(ctx context.Context, b *tele.Bot) ([]tele.Update, []tgstate.RejectedUpdate, int, error) {
	params := map[string]any{
		"timeout": int(p.opts.Timeout / time.Second),
	}
	if p.offset != 0 {
		params["offset"] = p.offset
	}
	if p.opts.Limit > 0 {
		params["limit"] = p.opts.Limit
	}
	if p.opts.AllowedUpdates != nil {
		params["allowed_updates"] = p.opts.AllowedUpdates
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("getUpdates: encode parameters: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout+requestSlack)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL+"/bot"+b.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("getUpdates: %w", redact.URL(err))
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("getUpdates: %w", redact.URL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("getUpdates: read response (HTTP %d): %w", resp.StatusCode, err)
	}

	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &r); err != nil || !r.OK {
		// A proxy's error page is not JSON; describe it by its status alone.
		e := &apiError{status: resp.StatusCode}
		if err == nil {
			e.code = r.ErrorCode
			e.description = r.Description
			e.retryAfter = time.Duration(r.Parameters.RetryAfter) * time.Second
		}
		return nil, nil, 0, fmt.Errorf("getUpdates: %w", e)
	}

	updates := make([]tele.Update, 0, len(r.Result))
	var rejected []tgstate.RejectedUpdate
	last := 0
	for _, raw := range r.Result {
		u, err := DecodeUpdate(raw)
		if err != nil {
			p.opts.Logger.Error("telegram: skipping an update that cannot be decoded",
				slog.Int("update_id", u.ID), slog.Int("bytes", len(raw)), slog.String("error", err.Error()))
			rejected = append(rejected, tgstate.RejectedUpdate{UpdateID: int64(u.ID), Size: len(raw), Body: raw, Reason: err.Error()})
			last = max(last, u.ID)
			continue
		}
		updates = append(updates, u)
		last = max(last, u.ID)
	}
	return updates, rejected, last, nil
}

// apiError is a getUpdates call answered with ok=false or with a body that is
// not the Bot API's JSON.
type apiError struct {
	status      int           // HTTP status
	code        int           // error_code, if the body was JSON
	description string        // description, if the body was JSON
	retryAfter  time.Duration // parameters.retry_after of a 429
}

func (e *apiError) Error() string {
	if e.description == "" {
		return fmt.Sprintf("telegram: HTTP %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("telegram: %s (%d)", e.description, e.code)
}
