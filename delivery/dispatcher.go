package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/backoff"
	"mcu/internal/redact"
	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// Outbox is the queue of messages the dispatcher sends. storage.DB
// implements it.
type Outbox interface {
	// SendOutbox claims the next message whose turn has come (the oldest
	// unsent one of its chat), calls send, and records the outcome in the
	// same transaction. It reports whether there was a message.
	SendOutbox(ctx context.Context, send func(ctx context.Context, m outbox.Message) outbox.Outcome) (bool, error)
	// ListenOutbox returns a channel that receives after new messages are
	// enqueued; it is closed when ctx ends.
	ListenOutbox(ctx context.Context) <-chan struct{}
}

// Messenger is the part of Telegram the dispatcher sends through.
// *tele.Bot implements it.
type Messenger interface {
	Send(to tele.Recipient, what interface{}, opts ...interface{}) (*tele.Message, error)
	Edit(msg tele.Editable, what interface{}, opts ...interface{}) (*tele.Message, error)
	SendAlbum(to tele.Recipient, a tele.Album, opts ...interface{}) ([]tele.Message, error)
}

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	Workers      int           // messages sent at once, each to a different chat; default 4
	Poll         time.Duration // how often to look for due retries without a wake-up; default 1s
	DrainTimeout time.Duration // how long to keep sending after the context ends; default 5s
	MaxBackoff   time.Duration // the longest wait between retries of a message; default 5m
	Location     *time.Location
	Now          func() time.Time
	Logger       *slog.Logger
	// Directions returns direction names by code, for cards.
	Directions func(ctx context.Context) (map[string]string, error)
}

// Dispatcher sends what the workflow enqueued in the outbox: in order per
// chat, never from inside the transaction that enqueued it, retrying
// failures with exponential backoff (and Telegram's retry_after on 429),
// giving up on a chat that blocked the bot.
type Dispatcher struct {
	queue Outbox
	tg    Messenger
	opts  DispatcherOptions
}

// NewDispatcher returns a dispatcher sending from queue through tg.
func NewDispatcher(queue Outbox, tg Messenger, opts DispatcherOptions) *Dispatcher {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 5 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Directions == nil {
		opts.Directions = func(context.Context) (map[string]string, error) { return nil, nil }
	}
	return &Dispatcher{queue: queue, tg: tg, opts: opts}
}

// Run sends messages until ctx ends, then keeps sending what is due for
// at most DrainTimeout, and returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()
	wake := d.queue.ListenOutbox(listenCtx)

	// Workers run on a context that outlives ctx by the drain timeout.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	kicks := make([]chan struct{}, d.opts.Workers)
	var wg sync.WaitGroup
	for i := range kicks {
		kicks[i] = make(chan struct{}, 1)
		wg.Go(func() { d.work(workCtx, ctx, kicks[i]) })
	}
	kickAll := func() {
		for _, k := range kicks {
			select {
			case k <- struct{}{}:
			default:
			}
		}
	}
	ticker := time.NewTicker(d.opts.Poll)
	defer ticker.Stop()
	kickAll()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-wake:
			kickAll()
		case <-ticker.C:
			kickAll()
		}
	}
	// Drain: the workers see ctx done and stop once nothing is due; the
	// deadline cuts a long drain short.
	kickAll()
	timer := time.AfterFunc(d.opts.DrainTimeout, cancelWork)
	defer timer.Stop()
	wg.Wait()
	return nil
}

// work sends due messages whenever kicked, until there are none; after
// stop ends it sends what is due once more and returns.
func (d *Dispatcher) work(ctx, stop context.Context, kick <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		for ctx.Err() == nil {
			found, err := d.queue.SendOutbox(ctx, d.sendUntilDone)
			if err != nil {
				if ctx.Err() == nil {
					d.opts.Logger.ErrorContext(ctx, "outbox: unable to send", "error", redact.URL(err))
					_ = backoff.Sleep(ctx, time.Second)
				}
				break
			}
			if !found {
				break
			}
		}
		if stop.Err() != nil {
			return
		}
	}
}

// sendUntilDone is send, given up on when ctx ends. A telebot call cannot
// be cancelled, and a Telegram that hangs must not hold a shutdown past
// DrainTimeout: the message then stays in the outbox (the transaction
// that claimed it cannot commit on an ended context) and goes out on the
// next run; the call left behind may still deliver it, so it may arrive
// twice, as after a crash.
func (d *Dispatcher) sendUntilDone(ctx context.Context, m outbox.Message) outbox.Outcome {
	sent := make(chan outbox.Outcome, 1)
	go func() { sent <- d.send(ctx, m) }()
	select {
	case o := <-sent:
		return o
	case <-ctx.Done():
		d.opts.Logger.WarnContext(ctx, "outbox: telegram did not answer before the drain ended; the message stays queued",
			"outbox_id", m.ID, "chat_id", m.ChatID)
		return outbox.Outcome{RetryAfter: time.Second, Err: ctx.Err()}
	}
}

// send renders one outbox message and sends it.
func (d *Dispatcher) send(ctx context.Context, m outbox.Message) outbox.Outcome {
	chat := &tele.Chat{ID: m.ChatID}
	opts := &tele.SendOptions{ThreadID: m.ThreadID, DisableWebPagePreview: true}
	var err error
	var outcome outbox.Outcome
	switch {
	case m.Prepared != nil:
		err = d.sendPrepared(chat, opts, m.Prepared)
	case m.Appeal == nil:
		return outbox.Outcome{Failed: true, Err: errors.New("notification without an appeal")}
	case m.Notification.Audience == workflow.AudienceCard:
		outcome, err = d.sendCard(ctx, chat, opts, m)
	case m.Notification.Audience == workflow.AudienceResident:
		text, markup := render.ResidentMessage(m.Appeal, m.Notification, d.opts.Location)
		if text != "" && m.Notification.Event == workflow.EventApprove {
			// The answer's evidence (photos, an act) comes just above it.
			_, err = d.sendFiles(chat, opts, fmt.Sprintf(render.TextAnswerFiles, m.Appeal.Number()), m.DraftAttachments)
		}
		if err == nil {
			err = d.sendText(chat, opts, text, markup)
		}
	default:
		text := render.ChatNotice(m.Appeal, m.Notification)
		if text != "" && len(m.Notification.Input.Attachments) > 0 {
			// A resident's reply brings its photos to the staff.
			_, err = d.sendFiles(chat, opts, fmt.Sprintf(render.TextReplyFiles, m.Appeal.Number()), m.Notification.Input.Attachments)
		}
		if err == nil {
			err = d.sendText(chat, opts, text, nil)
		}
	}
	if err == nil {
		d.opts.Logger.DebugContext(ctx, "outbox: sent", "outbox_id", m.ID, "chat_id", m.ChatID,
			"audience", m.Notification.Audience, "event", m.Notification.Event, "prepared", m.Prepared != nil)
		return outcome
	}
	failed := d.failure(ctx, m, err)
	// Media sent before the card failed are not sent again on retry.
	failed.CardMediaIDs = outcome.CardMediaIDs
	return failed
}

// sendPrepared sends a prepared message: its file (a photo with its
// caption, or a document), then its text with the buttons under it (or
// the buttons under the file when there is no text).
func (d *Dispatcher) sendPrepared(chat *tele.Chat, opts *tele.SendOptions, p *outbox.Prepared) error {
	markup := preparedMarkup(p.Buttons)
	if f := p.File; f != nil {
		o := *opts
		if p.Text == "" {
			o.ReplyMarkup = markup
		}
		var what any
		switch f.Kind {
		case outbox.FilePhoto:
			what = &tele.Photo{File: tele.FromReader(bytes.NewReader(f.Data)), Caption: f.Caption}
		case outbox.FileDocument:
			what = &tele.Document{File: tele.FromReader(bytes.NewReader(f.Data)), FileName: f.Name, Caption: f.Caption}
		default:
			return fmt.Errorf("prepared message: unknown file kind %q", f.Kind)
		}
		if _, err := d.tg.Send(chat, what, &o); err != nil {
			return err
		}
	}
	return d.sendText(chat, opts, p.Text, markup)
}

// preparedMarkup is the inline keyboard of a prepared message; nil for
// none.
func preparedMarkup(rows [][]outbox.Button) *tele.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	m := &tele.ReplyMarkup{}
	for _, row := range rows {
		var r []tele.InlineButton
		for _, b := range row {
			r = append(r, tele.InlineButton{Text: b.Text, Unique: b.Unique, Data: b.Data})
		}
		m.InlineKeyboard = append(m.InlineKeyboard, r)
	}
	return m
}

// sendText sends text, split at Telegram's limit, with markup (which may
// be nil) under the last part; "" sends nothing.
func (d *Dispatcher) sendText(chat *tele.Chat, opts *tele.SendOptions, text string, markup *tele.ReplyMarkup) error {
	if text == "" {
		return nil
	}
	parts := render.SplitText(text, render.MaxMessageRunes)
	for i, part := range parts {
		o := *opts
		if i == len(parts)-1 && markup != nil {
			o.ReplyMarkup = markup
		}
		if _, err := d.tg.Send(chat, part, &o); err != nil {
			return err
		}
	}
	return nil
}

// sendCard edits the appeal's card in the chat, or sends it when there is
// none (or Telegram can no longer edit it) and the appeal belongs there.
// A new card comes after the appeal's photos and location, sent once per
// chat and remembered (Outcome.CardMediaIDs), and replies to them.
func (d *Dispatcher) sendCard(ctx context.Context, chat *tele.Chat, opts *tele.SendOptions, m outbox.Message) (outbox.Outcome, error) {
	dirs, err := d.opts.Directions(ctx)
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("directions: %w", err)
	}
	text, markup := render.Card(cardView(m), dirs, d.opts.Location, d.opts.Now())
	if m.CardMessageID != 0 {
		_, err := d.tg.Edit(&tele.Message{ID: m.CardMessageID, Chat: chat}, text, markup)
		switch {
		case err == nil, errors.Is(err, tele.ErrMessageNotModified), errors.Is(err, tele.ErrSameMessageContent):
			return outbox.Outcome{}, nil
		case !cannotEdit(err):
			return outbox.Outcome{}, err
		}
		// Too old or deleted: a new card takes its place.
	} else if !render.CardBelongs(m.Appeal, m.ChatDirection) {
		// Not this chat's appeal and no card here to update.
		return outbox.Outcome{}, nil
	}
	media := m.CardMediaIDs
	if len(media) == 0 {
		media, err = d.sendMedia(chat, opts, m.Appeal)
		if err != nil {
			return outbox.Outcome{CardMediaIDs: media}, err
		}
	}
	sendOpts := *opts
	sendOpts.ReplyMarkup = markup
	if len(media) > 0 {
		sendOpts.ReplyTo, sendOpts.AllowWithoutReply = &tele.Message{ID: media[0]}, true
	}
	msg, err := d.tg.Send(chat, text, &sendOpts)
	if err != nil {
		return outbox.Outcome{CardMediaIDs: media}, err
	}
	return outbox.Outcome{CardMessageID: msg.ID, CardMediaIDs: media}, nil
}

// maxAlbum is the most photos one album holds.
const maxAlbum = 10

// sendMedia sends the appeal's files and its location as a map pin, and
// returns the ids of the messages sent, also when it fails halfway.
func (d *Dispatcher) sendMedia(chat *tele.Chat, opts *tele.SendOptions, a *workflow.Appeal) ([]int, error) {
	ids, err := d.sendFiles(chat, opts, fmt.Sprintf(render.TextAppealFiles, a.Number()), a.Attachments)
	if err != nil {
		return ids, err
	}
	if l := a.Location; l != nil {
		msg, err := d.tg.Send(chat, &tele.Location{Lat: float32(l.Latitude), Lng: float32(l.Longitude)}, opts)
		if err != nil {
			return ids, err
		}
		ids = append(ids, msg.ID)
	}
	return ids, nil
}

// sendFiles sends files with caption on the first: photos as albums of up
// to ten (a single photo alone), documents one by one. It returns the ids
// of the messages sent, also when it fails halfway.
func (d *Dispatcher) sendFiles(chat *tele.Chat, opts *tele.SendOptions, caption string, files []workflow.Attachment) ([]int, error) {
	var ids []int
	var photos []workflow.Attachment
	for _, f := range files {
		if f.Kind == "photo" {
			photos = append(photos, f)
			continue
		}
		doc := &tele.Document{File: tele.File{FileID: f.FileID}, Caption: caption}
		msg, err := d.tg.Send(chat, doc, opts)
		if err != nil {
			return ids, err
		}
		ids = append(ids, msg.ID)
	}
	for len(photos) > 0 {
		chunk := photos[:min(maxAlbum, len(photos))]
		photos = photos[len(chunk):]
		if len(chunk) == 1 {
			msg, err := d.tg.Send(chat, &tele.Photo{File: tele.File{FileID: chunk[0].FileID}, Caption: caption}, opts)
			if err != nil {
				return ids, err
			}
			ids = append(ids, msg.ID)
			continue
		}
		album := make(tele.Album, len(chunk))
		for i, f := range chunk {
			p := &tele.Photo{File: tele.File{FileID: f.FileID}}
			if i == 0 {
				p.Caption = caption
			}
			album[i] = p
		}
		msgs, err := d.tg.SendAlbum(chat, album, opts)
		if err != nil {
			return ids, err
		}
		for _, msg := range msgs {
			ids = append(ids, msg.ID)
		}
	}
	return ids, nil
}

// cannotEdit reports whether Telegram refuses to edit a message for good.
func cannotEdit(err error) bool {
	code, desc := TelegramError(err)
	return code == 400 && (errors.Is(err, tele.ErrCantEditMessage) ||
		strings.Contains(desc, "message to edit not found") ||
		strings.Contains(desc, "message can't be edited"))
}

// plainTelegramError is how telebot reports an API error it has no value
// for: a plain error "telegram: <description> (<code>)".
var plainTelegramError = regexp.MustCompile(`^telegram: (.*) \((\d{3})\)$`)

// TelegramError returns the error code and description of a Bot API
// error, whether telebot made it a *tele.Error or (for descriptions it
// does not know, such as «message to edit not found») a plain error; 0
// for other errors.
func TelegramError(err error) (int, string) {
	if err == nil {
		return 0, ""
	}
	var te *tele.Error
	if errors.As(err, &te) {
		return te.Code, te.Description
	}
	if m := plainTelegramError.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[2])
		return code, m[1]
	}
	return 0, ""
}

// failure turns a send error into an outcome: retry after Telegram's
// retry_after on 429, give up on a blocked bot or a bad request, retry
// other errors with backoff.
func (d *Dispatcher) failure(ctx context.Context, m outbox.Message, err error) outbox.Outcome {
	log := d.opts.Logger.With("outbox_id", m.ID, "chat_id", m.ChatID, "attempt", m.Attempts+1, "error", redact.URL(err))
	var flood tele.FloodError
	if errors.As(err, &flood) {
		after := time.Duration(flood.RetryAfter) * time.Second
		log.WarnContext(ctx, "outbox: rate limited by telegram", "retry_after", after)
		return outbox.Outcome{RetryAfter: max(after, time.Second), Err: redact.URL(err)}
	}
	var migrated tele.GroupError
	if errors.As(err, &migrated) {
		// The group became a supergroup: the migration update moves this
		// message to the new chat; try again shortly.
		log.WarnContext(ctx, "outbox: group was upgraded to a supergroup; will retry", "migrated_to", migrated.MigratedTo)
		return outbox.Outcome{RetryAfter: time.Second, Err: redact.URL(err)}
	}
	switch code, _ := TelegramError(err); code {
	case 403:
		log.WarnContext(ctx, "outbox: chat blocked the bot; giving up")
		// A resident (or a staff member in a private chat) who blocked the bot.
		blocked := m.Notification.Audience == workflow.AudienceResident || (m.Prepared != nil && m.ChatID > 0)
		return outbox.Outcome{Blocked: blocked, Failed: true, Err: redact.URL(err)}
	case 400:
		log.ErrorContext(ctx, "outbox: telegram refused the message; giving up")
		return outbox.Outcome{Failed: true, Err: redact.URL(err)}
	}
	delay := backoff.Exponential(m.Attempts, time.Second, d.opts.MaxBackoff)
	log.WarnContext(ctx, "outbox: send failed; will retry", "retry_in", delay)
	return outbox.Outcome{RetryAfter: delay, Err: redact.URL(err)}
}

// cardView is what the card of m shows.
func cardView(m outbox.Message) render.CardView {
	return render.CardView{
		Appeal: m.Appeal, ChatDirection: m.ChatDirection, History: m.History,
		ExecutorName: m.ExecutorName, DraftAttachments: m.DraftAttachments,
		ContactName: m.ContactName, Contact: m.Contact,
	}
}
