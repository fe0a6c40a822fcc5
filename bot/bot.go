// Package bot holds the handlers of MCU's Telegram bot
// (gopkg.in/telebot.v3): the resident's screens (resident_*.go) and the
// staff's commands and buttons (staff_*.go), turning Telegram input into
// workflow calls. Updates come in through package transport, each
// recorded as processed in the transaction of its effects; what the
// workflow enqueues is sent by package delivery; every text is rendered
// by package render.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/redact"
	"mcu/outbox"
	"mcu/render"
	"mcu/tgstate"
	"mcu/transport"
	"mcu/workflow"
)

// Store is what the bot reads and writes besides the workflow.
// storage.DB implements it.
type Store interface {
	ResidentStore
	StaffStore
	AnnouncementStore
	transport.InboxStore
	// FailInbox records why handling an update failed; it stays in the
	// inbox and is tried again.
	FailInbox(ctx context.Context, updateID int64, reason string) error
	// HandleUpdate handles an update in one transaction: it records the
	// update as processed, runs fn with a context whose reads and writes
	// join the transaction, and commits when fn returns nil. An update
	// processed before fails with tgstate.ErrProcessed.
	HandleUpdate(ctx context.Context, updateID int64, fn func(ctx context.Context) error) error
	// EnqueueReply writes a handler's reply in one chat to the outbox (in
	// the update's transaction, with its context).
	// It returns the reply's outbox id.
	EnqueueReply(ctx context.Context, chatID int64, threadID int, r outbox.Reply) (int64, error)
	// SentMessageIDs returns the messages an outbox row has sent so far.
	SentMessageIDs(ctx context.Context, outboxID int64) ([]int, error)
	// PostListedCard asks for the card of an appeal listed in a chat; false
	// when it is not listed there.
	PostListedCard(ctx context.Context, appealID, chatID int64) (bool, error)
	// FindAppeal returns an appeal by id.
	FindAppeal(ctx context.Context, id int64) (*workflow.Appeal, error)
	// FindDirections returns the active directions in order.
	FindDirections(ctx context.Context) ([]workflow.Direction, error)
}

// Options configure a Bot.
type Options struct {
	Token   string
	APIURL  string // Bot API base URL; default https://api.telegram.org
	Service *workflow.Service
	// Staff decides invitations, bindings and roles; default a staff
	// service over Store with Service's bootstrap admins.
	Staff    *workflow.StaffService
	Store    Store
	Location *time.Location
	// OperatorName is the personal-data operator named in the consent
	// (MCU_OPERATOR_NAME); default DefaultOperatorName.
	OperatorName string
	Now          func() time.Time
	Logger       *slog.Logger
	// Client makes the Bot API calls; default a client with a 30 s timeout
	// over NewTransport (long polls use their own).
	Client *http.Client
	// Digest makes the head's digest at now, for /digest in the head's or
	// the leader's chat; nil leaves /digest unavailable.
	Digest func(ctx context.Context, now time.Time) (outbox.Prepared, error)
	// Report makes the monthly report of month (YYYY-MM; "" for the month
	// before now's), for /report; a month it cannot read is an invalid
	// error. nil leaves /report unavailable.
	Report func(ctx context.Context, month string, now time.Time) (outbox.Prepared, error)
	// Updates configures how updates are received (Logger is filled in).
	Updates transport.ReceiverOptions
}

// maxConnections is how many connections to the Bot API a transport of
// NewTransport keeps open between calls: one for each of the outbox's
// workers and each answer to a pressed button in flight, with room to
// spare.
const maxConnections = 128

// NewTransport returns the HTTP transport for Bot API calls: Go's default
// one, but keeping up to maxConnections idle connections to Telegram
// instead of two. With the default, the outbox's workers sending at once
// would open (and, over TLS, handshake) a new connection for most calls
// and close it after.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxConnections
	t.MaxIdleConnsPerHost = maxConnections
	return t
}

// ErrUnauthorized says Telegram rejected the bot token.
var ErrUnauthorized = errors.New("bot: telegram rejected the token")

// Bot is the Telegram bot.
type Bot struct {
	tg     *tele.Bot
	opts   Options
	logger *slog.Logger
	rx     *transport.Receiver

	dirMu      sync.Mutex
	dirs       map[string]string
	dirsLoaded time.Time

	// taken holds the ids of the updates in dispatch that a handler took
	// (processOnce saw them).
	taken sync.Map
	// answers holds a token per answer to a pressed button in flight.
	answers chan struct{}
}

// New connects to the Bot API (getMe) and sets up the handlers.
func New(opts Options) (*Bot, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second, Transport: NewTransport()}
	}
	if opts.Staff == nil {
		opts.Staff = &workflow.StaffService{Store: opts.Store, Now: opts.Now, Logger: opts.Logger, Admins: opts.Service.Admins}
	}
	b := &Bot{opts: opts, logger: opts.Logger, answers: make(chan struct{}, maxAnswers)}
	tg, err := tele.NewBot(tele.Settings{
		URL:         opts.APIURL,
		Token:       opts.Token,
		Client:      opts.Client,
		Synchronous: true, // the Runner gives order per chat and recovery
		OnError:     b.onError,
	})
	if errors.Is(err, tele.ErrUnauthorized) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("bot: unable to reach telegram (getMe): %w", redact.URL(err))
	}
	b.tg = tg
	rxOpts := opts.Updates
	rxOpts.Logger = opts.Logger
	b.rx = transport.NewReceiver(tg, dispatcher{b}, opts.Store, rxOpts)
	tg.Use(b.processOnce, b.wellFormed)
	b.routes()
	return b, nil
}

// Username returns the bot's username, as getMe told it.
func (b *Bot) Username() string { return b.tg.Me.Username }

// Telegram returns the underlying telebot bot (the dispatcher sends through it).
func (b *Bot) Telegram() *tele.Bot { return b.tg }

// Commands registers the command menu with Telegram (setMyCommands).
func (b *Bot) Commands() error {
	// Residents' menu.
	err := b.tg.SetCommands(render.ResidentCommands())
	if err != nil {
		return fmt.Errorf("bot: unable to set commands: %w", redact.URL(err))
	}
	// Staff work in groups: their menu there.
	if err := b.tg.SetCommands(render.StaffCommands(), tele.CommandScope{Type: tele.CommandScopeAllGroupChats}); err != nil {
		return fmt.Errorf("bot: unable to set staff commands: %w", redact.URL(err))
	}
	return nil
}

// Updates returns what receives the bot's updates: by long polling
// (Poll) or a webhook.
func (b *Bot) Updates() *transport.Receiver { return b.rx }

// Run receives updates by long polling until ctx ends, then finishes the
// updates in hand (see transport.Receiver.Poll).
func (b *Bot) Run(ctx context.Context) error { return b.rx.Poll(ctx) }

// dispatcher hands updates to telebot's handlers and records as processed
// an update that none of them took (an edited message, a channel post, a
// kind of update the bot does not know): otherwise it would stay in the
// inbox, be tried again and be given up there, personal data and all.
type dispatcher struct{ b *Bot }

func (d dispatcher) ProcessUpdate(u tele.Update) {
	b := d.b
	defer b.taken.Delete(u.ID)
	b.tg.ProcessUpdate(u)
	if _, ok := b.taken.Load(u.ID); ok {
		return
	}
	err := b.opts.Store.HandleUpdate(context.Background(), int64(u.ID), func(context.Context) error { return nil })
	if err != nil && !errors.Is(err, tgstate.ErrProcessed) {
		// It stays in the inbox and is tried again.
		b.logger.Warn("inbox: unable to record an update no handler takes", "update_id", u.ID, "error", err)
		return
	}
	b.logger.Debug("an update no handler takes", "update_id", u.ID)
}

// processOnce is the middleware that handles each update at most once,
// in one transaction (Store.HandleUpdate): the record of the update, its
// effects and the replies its handler sent (kept by a replyContext and
// enqueued in the outbox) commit together or not at all. An update
// processed before is skipped; one whose handling failed stays in the
// inbox and is tried again, and nothing of its attempt remains. The
// answer to a pressed button goes once the transaction has committed.
func (b *Bot) processOnce(next tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		id := int64(c.Update().ID)
		b.taken.Store(c.Update().ID, struct{}{})
		rc := newReplyContext(c)
		err := b.opts.Store.HandleUpdate(context.Background(), id, func(ctx context.Context) error {
			c.Set(ctxKey, ctx)
			if err := next(rc); err != nil {
				return err
			}
			return rc.enqueue(ctx, b.opts.Store)
		})
		c.Set(ctxKey, context.Background()) // the transaction is over
		switch {
		case err == nil:
			b.answerPress(rc)
			return nil
		case errors.Is(err, tgstate.ErrProcessed):
			b.logger.Info("update already processed; skipped", "update_id", id)
			return nil
		}
		// Not handled: the update stays in the inbox and is tried again
		// when its next attempt is due.
		reason := redact.URL(err).Error()
		if ferr := b.opts.Store.FailInbox(context.Background(), id, reason); ferr != nil {
			b.logger.Warn("inbox: unable to record a failure", "update_id", id, "error", ferr)
		}
		return fmt.Errorf("update %d not handled; it will be tried again: %w", id, err)
	}
}

// wellFormed ignores an update that Telegram never sends to this bot: one
// without its sender or its chat (a message missing either, a callback
// query of an inline message — the bot sends none). Handlers rely on
// both. The update is recorded as processed all the same (processOnce
// runs first), so it is not tried again.
func (b *Bot) wellFormed(next tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		if c.Sender() == nil || c.Chat() == nil {
			b.logger.Warn("telegram: an update without its sender or chat is ignored", "update_id", c.Update().ID)
			return nil
		}
		return next(c)
	}
}

const ctxKey = "mcu_ctx"

// contextOf returns the context of the update being handled.
func contextOf(c tele.Context) context.Context {
	if ctx, ok := c.Get(ctxKey).(context.Context); ok {
		return ctx
	}
	return context.Background()
}

// onError logs what a handler returned, with the token scrubbed, and
// counts the failed attempt (Updates.Observer).
func (b *Bot) onError(err error, c tele.Context) {
	if o := b.opts.Updates.Observer; o != nil && c != nil {
		o.UpdateFailed(transport.UpdateType(c.Update()))
	}
	attrs := []any{"error", err}
	if c != nil && c.Update().ID != 0 {
		attrs = append(attrs, "update_id", c.Update().ID)
	}
	b.logger.Error("telegram: handler failed", attrs...)
}

// routes registers the handlers. telebot allows one handler per
// endpoint, while residents (private chats) and staff (groups) share
// endpoints such as text, photos and /cancel; so each side lists its
// handlers (residentHandlers in resident.go, staffHandlers in staff.go)
// and one handler per endpoint picks the side by chat type. In a private
// chat the resident side answers first, then the staff side (for /invite,
// /staff and the like); in a group only the staff side answers, so a
// resident's command in a group is ignored.
func (b *Bot) routes() {
	resident, staff := b.residentHandlers(), b.staffHandlers()
	endpoints := map[string]bool{}
	for e := range resident {
		endpoints[e] = true
	}
	for e := range staff {
		endpoints[e] = true
	}
	for e := range endpoints {
		b.tg.Handle(e, func(c tele.Context) error {
			if c.Chat() != nil && c.Chat().Type == tele.ChatPrivate {
				if h, ok := resident[e]; ok {
					if err := h(c); !errors.Is(err, errPass) {
						return err
					}
				}
			}
			if h, ok := staff[e]; ok {
				return h(c)
			}
			if c.Callback() != nil {
				return respond(c, render.TextInvalid)
			}
			return nil
		})
	}
	b.tg.Handle("/start", b.onStart)
}

// errPass is what a resident handler returns for an update in a private
// chat that is not the resident's (a staff dialog there): the staff side
// handles it then.
var errPass = errors.New("bot: not a resident's update")

// onStart answers /start: with a payload it is an invitation link
// (startStaff), without one a resident opening the bot (startResident).
func (b *Bot) onStart(c tele.Context) error {
	if c.Chat().Type != tele.ChatPrivate {
		return nil
	}
	if payload := c.Message().Payload; payload != "" {
		return b.startStaff(c, payload)
	}
	return b.startResident(c)
}

// answer is the one place where workflow errors become Russian answers;
// details are logged only for internal errors.
func (b *Bot) answer(ctx context.Context, err error) string {
	if errors.Is(err, workflow.ErrDeadlinePassed) {
		return render.TextExtendOverdue
	}
	switch workflow.ErrorCode(err) {
	case workflow.EForbidden:
		return render.TextForbidden
	case workflow.ENotFound:
		return render.TextNotFound
	case workflow.EConflict:
		return render.TextConflict
	case workflow.EInvalid:
		return render.TextInvalid
	case workflow.ELimited:
		return render.TextLimited
	}
	b.logger.ErrorContext(ctx, "internal error", "error", err)
	return render.TextInternalError
}

// Directions returns the names of every direction (those turned off too)
// by code, cached for a minute.
func (b *Bot) Directions(ctx context.Context) (map[string]string, error) {
	b.dirMu.Lock()
	defer b.dirMu.Unlock()
	if b.dirs != nil && b.opts.Now().Sub(b.dirsLoaded) < time.Minute {
		return b.dirs, nil
	}
	list, err := b.opts.Store.FindAllDirections(ctx) // a direction turned off keeps its name on old cards
	if err != nil {
		return nil, err
	}
	dirs := make(map[string]string, len(list))
	for _, d := range list {
		dirs[d.Code] = d.Name
	}
	b.dirs, b.dirsLoaded = dirs, b.opts.Now()
	return dirs, nil
}
