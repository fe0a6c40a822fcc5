package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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
	// ClaimOutbox claims up to limit messages whose turn has come (the
	// oldest unsent one of each chat; replies first, but up to bulk of
	// the rest before them), leasing them for lease; it returns those to
	// send and how many it claimed.
	ClaimOutbox(ctx context.Context, limit, bulk int, lease time.Duration) ([]outbox.Message, int, error)
	// FinishOutbox records what became of claimed messages, ending their
	// leases.
	FinishOutbox(ctx context.Context, done []outbox.Done) error
	// RenewOutbox extends the leases of messages still being sent.
	RenewOutbox(ctx context.Context, ids []int64, lease time.Duration) error
	// LoadOutbox loads what sending a claimed notification needs (its
	// appeal, card and chat), by the worker that sends it.
	LoadOutbox(ctx context.Context, m *outbox.Message) error
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
	EditReplyMarkup(msg tele.Editable, markup *tele.ReplyMarkup) (*tele.Message, error)
	Delete(msg tele.Editable) error
}

// DefaultWorkers is how many messages a dispatcher has in flight at
// most unless DispatcherOptions.Workers says otherwise.
const DefaultWorkers = 32

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	// Workers is how many messages are sent at once, each to a different
	// chat; default DefaultWorkers. A message in flight holds no database connection
	// (it is leased, see Run), so this bounds only the goroutines and the
	// HTTP requests in flight; the pacer keeps the rate.
	Workers      int
	Poll         time.Duration // how often to look for due retries without a wake-up; default 1s
	DrainTimeout time.Duration // how long to keep sending after the context ends; default 5s
	MaxBackoff   time.Duration // the longest wait between retries of a message; default 5m
	// Lease is how long a claimed message is kept from other senders
	// while it is sent; renewed while it is in flight, so it bounds only
	// how long a sender that died holds its messages. Default 15s.
	Lease    time.Duration
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
	// Admins are the bootstrap admins' user ids: with the staff holding
	// the admin role, they are told in private when a staff chat refuses
	// the bot (403).
	Admins []int64
	// Directions returns direction names by code, for cards.
	Directions func(ctx context.Context) (map[string]string, error)
	// Pace are the flood limits the dispatcher keeps to (see pace.go).
	Pace PaceOptions
	// ListAfter is how far behind a group may fall: when its queue holds
	// more than it can send in that long, its new cards go as one list
	// (see cardlist.go). Default 2m.
	ListAfter time.Duration
}

// Dispatcher sends what the workflow enqueued in the outbox: in order per
// chat, never from inside the transaction that enqueued it, retrying
// failures with exponential backoff (and Telegram's retry_after on 429),
// giving up on a chat that blocked the bot.
type Dispatcher struct {
	queue Outbox
	tg    Messenger
	opts  DispatcherOptions
	pace  *pacer // nil when Pace.Off
	// kick wakes the claimer (set by Run): a message put off by the
	// pacer is looked for again when its turn comes, not at the next
	// Poll.
	kick func()
	// dirs are the directions' names, read before each claim.
	dirs atomic.Pointer[map[string]string]
}

// NewDispatcher returns a dispatcher sending from queue through tg.
func NewDispatcher(queue Outbox, tg Messenger, opts DispatcherOptions) *Dispatcher {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
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
	if opts.Lease <= 0 {
		opts.Lease = 15 * time.Second
	}
	if opts.ListAfter <= 0 {
		opts.ListAfter = 2 * time.Minute
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
	d := &Dispatcher{queue: queue, tg: tg, opts: opts}
	if !opts.Pace.Off {
		d.pace = newPacer(opts.Pace)
	}
	return d
}

// Run sends messages until ctx ends, then keeps sending what is due for
// at most DrainTimeout, and returns.
//
// One claimer takes due messages from the outbox in batches, as many as
// there are free workers (Workers messages in flight at most), each
// leased to this sender; each message is sent by a worker of its own,
// outside any transaction, and a recorder writes the outcomes of
// whatever messages are done in one transaction. A claim that finds
// fewer messages than it asked for waits for a wake-up: an enqueue, a
// message recorded whose chat has more queued, a message put off by the
// pacer, or Poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()
	wake := d.queue.ListenOutbox(listenCtx)

	// Sending runs on a context that outlives ctx by the drain timeout.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	kicks := make(chan struct{}, 1)
	d.kick = func() {
		select {
		case kicks <- struct{}{}:
		default:
		}
	}
	c := &claimer{
		d: d, slots: make(chan struct{}, d.opts.Workers),
		done: make(chan outbox.Done, d.opts.Workers), flying: map[int64]bool{},
		bulkWorkers: max(1, d.opts.Workers/8),
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		c.record(workCtx)
	}()
	claimed := make(chan struct{})
	go func() {
		defer close(claimed)
		c.run(workCtx, ctx, kicks)
	}()
	ticker := time.NewTicker(d.opts.Poll)
	defer ticker.Stop()
	d.kick()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-wake:
			d.kick()
		case <-ticker.C:
			d.kick()
		}
	}
	// Drain: the claimer sends what is due until a claim finds nothing
	// with nothing in flight; the deadline cuts a long drain short.
	d.kick()
	timer := time.AfterFunc(d.opts.DrainTimeout, cancelWork)
	defer timer.Stop()
	<-claimed
	c.sending.Wait()
	close(c.done)
	<-recorded
	return nil
}

// claimer claims batches of due messages for the free workers, and
// records what they did.
type claimer struct {
	d *Dispatcher
	// slots holds a token for each message claimed and not yet recorded
	// (Workers at most).
	slots chan struct{}
	// done takes the outcomes of the workers to the recorder.
	done    chan outbox.Done
	sending sync.WaitGroup // the workers
	mu      sync.Mutex
	// flying holds the messages claimed and not recorded, whose leases
	// are renewed: true for bulk.
	flying map[int64]bool
	// bulkWorkers is how many workers are kept for bulk (cards, notices,
	// announcements) while it waits: replies go first, yet a crowd of
	// residents, each waiting for the next prompt, would otherwise keep
	// every worker for as long as it lasts, and the directions' chats
	// would hear of no new appeal till then.
	bulkWorkers int
	// missed: a claim found less than it asked for while messages were
	// in flight; the next record kicks the claimer, since what it missed
	// may have waited behind them.
	missed bool
	// records counts the records written; a claim that sees it change
	// while it ran kicks at once, since the record it overlapped found
	// missed not yet set.
	records int64
}

// run claims whenever kicked, while whole batches are found; after stop
// ends it drains what is due and returns.
func (c *claimer) run(ctx, stop context.Context, kicks <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kicks:
		}
		c.claimWhileDue(ctx)
		if stop.Err() == nil {
			continue
		}
		// Draining: a message in flight may leave its chat's next one
		// due; claim until nothing is found and nothing is in flight.
		for ctx.Err() == nil {
			c.waitIdle(ctx)
			if c.claimWhileDue(ctx) == 0 {
				return
			}
		}
		return
	}
}

// waitIdle waits until every claimed message is sent and recorded (a
// worker's slot is freed only by the record), or ctx ends.
func (c *claimer) waitIdle(ctx context.Context) {
	for n := range cap(c.slots) {
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			c.release(n)
			return
		}
	}
	c.release(cap(c.slots))
}

// claimWhileDue claims batches until one finds fewer messages than there
// were free workers, and returns how many it claimed in all.
func (c *claimer) claimWhileDue(ctx context.Context) int {
	d := c.d
	total := 0
	for ctx.Err() == nil {
		// A global flood holds every send: wait for its end before
		// claiming anything.
		if p := d.pace.paused(); p > 0 {
			if d.pace.opts.Sleep(ctx, p) != nil {
				break
			}
		}
		n := c.takeSlots(ctx)
		if n == 0 {
			break
		}
		// A claim made while messages are in flight may miss what waits
		// behind them in their chats.
		c.mu.Lock()
		busy := len(c.flying) > 0
		records := c.records
		bulk := c.bulkWorkers
		for _, b := range c.flying {
			if b {
				bulk--
			}
		}
		c.mu.Unlock()
		err := d.loadDirections(ctx)
		var ms []outbox.Message
		claimed := 0
		if err == nil {
			ms, claimed, err = d.queue.ClaimOutbox(ctx, n, max(bulk, 0), d.opts.Lease)
		}
		if err != nil {
			c.release(n)
			if ctx.Err() == nil {
				d.opts.Logger.ErrorContext(ctx, "outbox: unable to claim", "error", redact.URL(err))
				_ = backoff.Sleep(ctx, time.Second)
			}
			break
		}
		total += claimed
		c.release(n - len(ms))
		c.mu.Lock()
		for _, m := range ms {
			c.flying[m.ID] = m.Bulk
		}
		c.mu.Unlock()
		for _, m := range ms {
			c.sending.Go(func() { c.done <- outbox.Done{Message: m, Outcome: d.sendUntilDone(ctx, m)} })
		}
		if claimed < n {
			// Fewer were due than workers are free: asking again would
			// find nothing; what comes next kicks, and so does the record
			// of a message that was in flight during the claim.
			overlapped := false
			if busy {
				c.mu.Lock()
				if c.records == records {
					c.missed = true
				} else {
					overlapped = true
				}
				c.mu.Unlock()
			}
			if overlapped || claimed > len(ms) {
				// A message recorded during the claim, or one it gave up,
				// may have left room for what was behind it.
				d.kick()
			}
			break
		}
	}
	return total
}

// takeSlots waits for a free worker and takes every free one; it returns
// how many (0 when ctx ended).
func (c *claimer) takeSlots(ctx context.Context) int {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < cap(c.slots) {
		select {
		case c.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// release frees n workers.
func (c *claimer) release(n int) {
	for range n {
		<-c.slots
	}
}

// record writes the workers' outcomes, as many at once as are done, and
// renews the leases of the messages still in flight, until done is
// closed. A record that fails is tried again (the messages stay leased
// meanwhile) until ctx ends; what is left then is claimed again once
// its lease ends, and may be sent twice, as after a crash.
func (c *claimer) record(ctx context.Context) {
	d := c.d
	renew := time.NewTicker(d.opts.Lease / 3)
	defer renew.Stop()
	for {
		var batch []outbox.Done
		select {
		case x, ok := <-c.done:
			if !ok {
				return
			}
			batch = append(batch, x)
		case <-renew.C:
			c.renew(ctx)
			continue
		}
	more:
		for len(batch) < 64 {
			select {
			case x, ok := <-c.done:
				if !ok {
					break more
				}
				batch = append(batch, x)
			default:
				break more
			}
		}
		for attempt := 0; ; attempt++ {
			err := d.queue.FinishOutbox(ctx, batch)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				break
			}
			d.opts.Logger.ErrorContext(ctx, "outbox: unable to record what was sent; trying again", "error", redact.URL(err))
			_ = backoff.Sleep(ctx, backoff.Exponential(attempt, 100*time.Millisecond, 5*time.Second))
		}
		c.mu.Lock()
		next := c.missed
		c.missed = false
		c.records++
		for _, x := range batch {
			delete(c.flying, x.Message.ID)
			next = next || x.Message.Next || x.Outcome.MigratedTo != 0
		}
		c.mu.Unlock()
		// The workers are free once their messages are recorded: what
		// Telegram accepted and is not recorded yet — what a crash would
		// send again — is never more than Workers messages.
		c.release(len(batch))
		if next {
			d.kick()
		}
	}
}

// renew extends the leases of the messages in flight.
func (c *claimer) renew(ctx context.Context) {
	c.mu.Lock()
	ids := make([]int64, 0, len(c.flying))
	for id := range c.flying {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := c.d.queue.RenewOutbox(ctx, ids, c.d.opts.Lease); err != nil && ctx.Err() == nil {
		c.d.opts.Logger.WarnContext(ctx, "outbox: unable to renew leases", "error", redact.URL(err))
	}
}

// loadDirections reads the directions' names for the cards to come.
func (d *Dispatcher) loadDirections(ctx context.Context) error {
	dirs, err := d.opts.Directions(ctx)
	if err != nil {
		return fmt.Errorf("directions: %w", err)
	}
	d.dirs.Store(&dirs)
	return nil
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
			"outbox_id", m.ID, "chat", chatForLog(m.ChatID))
		return outbox.Outcome{RetryAfter: time.Second, Err: ctx.Err()}
	}
}

// send renders one outbox message and sends it, part by part (see
// parts.go): a retry resumes at the part that failed.
func (d *Dispatcher) send(ctx context.Context, m outbox.Message) outbox.Outcome {
	if err := d.queue.LoadOutbox(ctx, &m); err != nil {
		// Tried again later, like a failed send: the appeal may be
		// locked for long, or the database away.
		return outbox.Outcome{RetryAfter: backoff.Exponential(m.Attempts, time.Second, d.opts.MaxBackoff), Err: fmt.Errorf("load: %w", err)}
	}
	chat := &tele.Chat{ID: m.ChatID}
	opts := &tele.SendOptions{ThreadID: m.ThreadID, DisableWebPagePreview: true}
	run := newPartRun(m)
	var err error
	var outcome outbox.Outcome
	switch {
	case m.Reply != nil:
		d.replyParts(run, chat, opts, m.Reply)
		err = d.sendParts(ctx, m, run)
	case m.Prepared != nil:
		err = d.preparedParts(run, chat, opts, m.Prepared)
		if err == nil {
			err = d.sendParts(ctx, m, run)
		}
	case m.Notification.Audience == workflow.AudienceIncidentCard && m.Incident != nil:
		outcome, err = d.sendIncidentCard(ctx, chat, opts, m, run) // incident.go
	case m.Appeal == nil:
		return outbox.Outcome{Failed: true, Err: errors.New("notification without an appeal")}
	case m.Notification.Audience == workflow.AudienceCard:
		outcome, err = d.sendCard(ctx, chat, opts, m, run)
	case m.Notification.Audience == workflow.AudienceResident:
		text, markup := render.ResidentMessage(m.Appeal, m.Notification, d.opts.Location)
		if text != "" && m.Notification.Event == workflow.EventApprove {
			// The answer's evidence (photos, an act) comes just above it.
			d.fileParts(run, "evidence", chat, opts, fmt.Sprintf(render.TextAnswerFiles, m.Appeal.Number()), m.DraftAttachments)
		}
		if text != "" && m.Notification.Event == workflow.EventAnswerIncident {
			// An incident's answer brings the photos of its draft.
			d.fileParts(run, "evidence", chat, opts, fmt.Sprintf(render.TextAnswerFiles, m.Appeal.Number()), m.Notification.Input.Attachments)
		}
		d.textParts(run, "text", chat, opts, text, markup)
		err = d.sendParts(ctx, m, run)
	default:
		text := render.ChatNotice(m.Appeal, m.Notification)
		if text != "" && len(m.Notification.Input.Attachments) > 0 {
			// A resident's reply brings its photos to the staff.
			d.fileParts(run, "reply", chat, opts, fmt.Sprintf(render.TextReplyFiles, m.Appeal.Number()), m.Notification.Input.Attachments)
		}
		d.textParts(run, "text", chat, opts, text, nil)
		err = d.sendParts(ctx, m, run)
	}
	outcome.Parts = run.done
	if err == nil {
		if reasons := run.skipped(); len(reasons) > 0 {
			outcome.Err = errors.New(strings.Join(reasons, "; "))
		}
		d.opts.Logger.DebugContext(ctx, "outbox: sent", "outbox_id", m.ID, "chat", chatForLog(m.ChatID),
			"audience", m.Notification.Audience, "event", m.Notification.Event, "prepared", m.Prepared != nil)
		return outcome
	}
	failed := d.failure(ctx, m, err)
	failed.Parts = run.done
	return failed
}

// preparedParts adds the parts of a prepared message: its file (a photo
// with its caption, or a document), then its text with the buttons under
// it (or the buttons under the file when there is no text).
func (d *Dispatcher) preparedParts(run *partRun, chat *tele.Chat, opts *tele.SendOptions, p *outbox.Prepared) error {
	markup := preparedMarkup(p.Buttons)
	if f := p.File; f != nil {
		o := *opts
		if p.Text == "" {
			o.ReplyMarkup = markup
		}
		var what any
		src := tele.FromReader(bytes.NewReader(f.Data))
		if f.FileID != "" {
			src = tele.File{FileID: f.FileID}
		}
		switch f.Kind {
		case outbox.FilePhoto:
			what = &tele.Photo{File: src, Caption: f.Caption}
		case outbox.FileDocument:
			what = &tele.Document{File: src, FileName: f.Name, Caption: f.Caption}
		default:
			return fmt.Errorf("prepared message: unknown file kind %q", f.Kind)
		}
		run.add("file", func() ([]int, error) { return d.sendOne(chat, what, &o) })
	}
	d.textParts(run, "text", chat, opts, p.Text, markup)
	return nil
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

// sendOne sends one message and returns its id.
func (d *Dispatcher) sendOne(chat *tele.Chat, what any, opts *tele.SendOptions) ([]int, error) {
	msg, err := d.tg.Send(chat, what, opts)
	if err != nil {
		return nil, err
	}
	return []int{msg.ID}, nil
}

// textParts adds text, split at Telegram's limit, with markup (which may
// be nil) under the last part, as parts prefix/0, prefix/1...; "" adds
// nothing.
func (d *Dispatcher) textParts(run *partRun, prefix string, chat *tele.Chat, opts *tele.SendOptions, text string, markup *tele.ReplyMarkup) {
	if text == "" {
		return
	}
	parts := render.SplitText(text, render.MaxMessageRunes)
	for i, part := range parts {
		o := *opts
		if i == len(parts)-1 && markup != nil {
			o.ReplyMarkup = markup
		}
		run.add(fmt.Sprintf("%s/%d", prefix, i), func() ([]int, error) { return d.sendOne(chat, part, &o) })
	}
}

// sendCard edits the appeal's card in the chat, or sends it when there is
// none (or Telegram can no longer edit it) and the appeal belongs there.
// A new card comes after the appeal's photos and location (parts
// media/..., sent once per chat and remembered in the card's row as
// Outcome.CardMediaIDs), and replies to them.
func (d *Dispatcher) sendCard(ctx context.Context, chat *tele.Chat, opts *tele.SendOptions, m outbox.Message, run *partRun) (outbox.Outcome, error) {
	var dirs map[string]string
	if p := d.dirs.Load(); p != nil {
		dirs = *p
	}
	if m.CardMessageID == 0 && m.CardListedIn != 0 {
		// Listed: the card waits until somebody asks for it in the list.
		return outbox.Outcome{}, nil
	}
	text, markup := render.Card(cardView(m), dirs, d.opts.Location, d.opts.Now())
	if m.CardMessageID != 0 {
		if edited, err := d.editCard(ctx, chat, m.CardMessageID, text, markup); edited || err != nil {
			return outbox.Outcome{}, err
		}
		// Too old or deleted: a new card takes its place.
	} else if !render.CardBelongs(m.Appeal, m.ChatDirection) {
		// Not this chat's appeal and no card here to update.
		return outbox.Outcome{}, nil
	}
	if list := d.listInstead(m); len(list) > 1 {
		if o, ok, err := d.sendList(ctx, chat, opts, m, run, list, dirs); err != nil || ok {
			return o, err
		}
		// Telegram refused the list: the card goes as usual.
	}
	// The media are sent with the chat's first card of the appeal; a card
	// sent anew replies to them. m.CardMediaIDs is written only with a
	// card, so it is the same on every attempt, and so are the parts.
	if len(m.CardMediaIDs) == 0 {
		d.mediaParts(run, chat, opts, m.Appeal)
	}
	run.add("card", func() ([]int, error) {
		o := *opts
		o.ReplyMarkup = markup
		if media := mediaOf(m, run); len(media) > 0 {
			o.ReplyTo, o.AllowWithoutReply = &tele.Message{ID: media[0]}, true
		}
		return d.sendOne(chat, text, &o)
	})
	if err := d.sendParts(ctx, m, run); err != nil {
		return outbox.Outcome{}, err
	}
	// The media are remembered with the card, or without one when
	// Telegram refused the card (400): a later card replies to them.
	// Only a message done remembers them, so that they stay the same on
	// every attempt of a message.
	return outbox.Outcome{CardMessageID: cardSent(run), CardMediaIDs: mediaOf(m, run)}, nil
}

// cardSent returns the card's message once the parts are done, sent on
// this attempt or an earlier one (0 when Telegram refused it).
func cardSent(run *partRun) int {
	if p, ok := run.result("card"); ok && len(p.IDs) > 0 {
		return p.IDs[0]
	}
	return 0
}

// mediaOf returns the messages that hold the appeal's media in the chat:
// those of an earlier card, or those the media parts sent.
func mediaOf(m outbox.Message, run *partRun) []int {
	if len(m.CardMediaIDs) > 0 {
		return m.CardMediaIDs
	}
	return run.idsOf("media/")
}

// maxAlbum is the most photos one album holds.
const maxAlbum = 10

// mediaParts adds the appeal's files and its location as a map pin.
func (d *Dispatcher) mediaParts(run *partRun, chat *tele.Chat, opts *tele.SendOptions, a *workflow.Appeal) {
	d.fileParts(run, "media", chat, opts, fmt.Sprintf(render.TextAppealFiles, a.Number()), a.Attachments)
	if l := a.Location; l != nil {
		run.add("media/pin", func() ([]int, error) {
			return d.sendOne(chat, &tele.Location{Lat: float32(l.Latitude), Lng: float32(l.Longitude)}, opts)
		})
	}
}

// fileParts adds files with caption on the first: documents one by one
// (prefix/doc/i), then photos as albums of up to ten, a single photo
// alone (prefix/album/k); an album Telegram refuses goes photo by photo
// (prefix/album/k/i), so one bad photo does not keep back the others.
func (d *Dispatcher) fileParts(run *partRun, prefix string, chat *tele.Chat, opts *tele.SendOptions, caption string, files []workflow.Attachment) {
	var photos []workflow.Attachment
	docs := 0
	for _, f := range files {
		if f.Kind == "photo" {
			photos = append(photos, f)
			continue
		}
		doc := &tele.Document{File: tele.File{FileID: f.FileID}, Caption: caption}
		run.add(fmt.Sprintf("%s/doc/%d", prefix, docs), func() ([]int, error) { return d.sendOne(chat, doc, opts) })
		docs++
	}
	for k := 0; len(photos) > 0; k++ {
		chunk := photos[:min(maxAlbum, len(photos))]
		photos = photos[len(chunk):]
		key := fmt.Sprintf("%s/album/%d", prefix, k)
		if len(chunk) == 1 {
			photo := &tele.Photo{File: tele.File{FileID: chunk[0].FileID}, Caption: caption}
			run.add(key, func() ([]int, error) { return d.sendOne(chat, photo, opts) })
			continue
		}
		album := make(tele.Album, len(chunk))
		singles := make([]func() ([]int, error), len(chunk))
		for i, f := range chunk {
			p := &tele.Photo{File: tele.File{FileID: f.FileID}}
			if i == 0 {
				p.Caption = caption
			}
			album[i] = p
			singles[i] = func() ([]int, error) { return d.sendOne(chat, p, opts) }
		}
		run.addAlbum(key, func() ([]int, error) {
			msgs, err := d.tg.SendAlbum(chat, album, opts)
			if err != nil {
				return nil, err
			}
			ids := make([]int, len(msgs))
			for i, msg := range msgs {
				ids[i] = msg.ID
			}
			return ids, nil
		}, singles)
	}
}

// cardView is what the card of m shows.
func cardView(m outbox.Message) render.CardView {
	return render.CardView{
		Appeal: m.Appeal, ChatDirection: m.ChatDirection, History: m.History,
		ExecutorName: m.ExecutorName, DraftAttachments: m.DraftAttachments,
		ContactName: m.ContactName, Contact: m.Contact, Similar: render.Similar(m.Similar),
		Incident: m.Incident,
	}
}

// editCard edits a card in place, paced. It reports whether the card is
// as it should be now (edited, or unchanged); false with no error when
// Telegram can no longer edit it (too old, deleted) and a new card must
// take its place.
func (d *Dispatcher) editCard(ctx context.Context, chat *tele.Chat, messageID int, text string, markup *tele.ReplyMarkup) (bool, error) {
	answered, err := d.pace.wait(ctx, chat.ID, 1)
	if err != nil {
		return false, err
	}
	_, err = d.tg.Edit(&tele.Message{ID: messageID, Chat: chat}, text, markup)
	answered()
	switch {
	case err == nil, errors.Is(err, tele.ErrMessageNotModified), errors.Is(err, tele.ErrSameMessageContent):
		return true, nil
	case !cannotEdit(err):
		return false, err
	}
	return false, nil
}
