package bot_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"mcu/bot"
	"mcu/delivery"
	"mcu/digest"
	"mcu/internal/dbtest"
	"mcu/internal/fakeclock"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/report"
	"mcu/storage"
	"mcu/transport"
	"mcu/workflow"
)

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// harness runs the whole bot in-process, as mcu serve does, against the
// Telegram test server and a fresh database: tests act as residents and
// staff through the server and assert what they see.
type harness struct {
	t   *testing.T
	srv *telegramtest.Server
	db  *storage.DB
	svc *workflow.Service

	mu  sync.Mutex
	now time.Time // the clock of the workflow and the bot

	// pace is the clock of Telegram's flood limits, which the test server
	// keeps and the dispatcher keeps to: virtual time, which the
	// dispatcher's waits move on at once, so that the limits hold in every
	// test without a test waiting for them.
	pace *fakeclock.Clock

	operator string // MCU_OPERATOR_NAME

	bot    *bot.Bot
	cancel context.CancelFunc
	done   chan struct{}
}

// harnessOptions adjust a harness.
type harnessOptions struct {
	Admins         []int64
	AppealsPerHour int
	OperatorName   string
}

func newHarness(t *testing.T, opts harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Date(2026, 3, 2, 10, 0, 0, 0, moscow), operator: opts.OperatorName}
	h.pace = fakeclock.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	h.srv = telegramtest.MustNew(t, telegramtest.Options{GroupPrivacy: true, Now: h.clock,
		Limits: telegramtest.Limits{On: true, Now: h.pace.Now}})
	h.db = dbtest.New(t)
	h.svc = &workflow.Service{
		Store: h.db, Calendar: workflow.NewCalendar(nil, nil), Location: moscow,
		Now: h.clock, Logger: dbtest.Logger(t), Admins: opts.Admins, AppealsPerHour: opts.AppealsPerHour,
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// advance moves the clock forward.
func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// start connects a new bot and dispatcher, as a fresh process would.
func (h *harness) start() {
	h.t.Helper()
	logger := dbtest.Logger(h.t)
	b, err := bot.New(bot.Options{
		Token: h.srv.Token, APIURL: h.srv.URL, Service: h.svc, Store: h.db,
		Location: moscow, Now: h.clock, Logger: logger, OperatorName: h.operator,
		Digest: func(ctx context.Context, now time.Time) (outbox.Prepared, error) {
			b := &digest.Builder{Store: h.db, Calendar: workflow.NewCalendar(nil, nil), Location: moscow}
			msg, err := b.Compose(ctx, time.Time{}, now)
			return msg.Prepared(""), err
		},
		Report: func(ctx context.Context, month string, now time.Time) (outbox.Prepared, error) {
			m, err := report.ParseMonth(month)
			if month == "" {
				m, err = report.MonthOf(now.AddDate(0, -1, 0), moscow), nil
			}
			if err != nil {
				return outbox.Prepared{}, workflow.Errorf(workflow.EInvalid, "%v", err)
			}
			var buf bytes.Buffer
			err = report.Write(ctx, &buf, m, h.db, report.Options{Location: moscow, Calendar: workflow.NewCalendar(nil, nil), Now: h.clock})
			return outbox.Prepared{File: &outbox.File{Kind: outbox.FileDocument, Name: report.FileName(m), Data: buf.Bytes()}}, err
		},
		Updates: transport.ReceiverOptions{
			Poller: transport.PollerOptions{Timeout: time.Second},
			Inbox:  transport.InboxOptions{Grace: 2 * time.Second, Poll: 50 * time.Millisecond, RetryBase: 100 * time.Millisecond},
		},
	})
	if err != nil {
		h.t.Fatalf("bot.New: %v", err)
	}
	if err := b.Commands(); err != nil {
		h.t.Fatalf("set commands: %v", err)
	}
	disp := delivery.NewDispatcher(h.db, b.Telegram(), delivery.DispatcherOptions{
		Location: moscow, Now: h.clock, Logger: logger, Directions: b.Directions,
		Poll: 50 * time.Millisecond,
		// Telegram's limits, in the virtual time of the server's: a wait
		// is never long enough to put a message off.
		Pace: delivery.PaceOptions{Now: h.pace.Now, Sleep: h.pace.Sleep, MaxWait: time.Hour},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.Run(ctx); err != nil {
			h.t.Errorf("bot.Run: %v", err)
		}
	})
	wg.Go(func() { _ = disp.Run(ctx) })
	wg.Go(func() { _ = b.RunAnnouncements(ctx, 50*time.Millisecond) })
	go func() { wg.Wait(); close(done) }()
	h.bot, h.cancel, h.done = b, cancel, done
}

// stop stops the bot and the dispatcher and waits for them.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		h.t.Error("bot did not stop within 15 s")
	}
	h.cancel = nil
}

// restart stops the bot and starts a new one on the same database and
// server, as a restart of the process would.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// grant gives a Telegram user a staff role.
func (h *harness) grant(u telegramtest.User, role workflow.Role, direction string) {
	h.t.Helper()
	err := h.db.GrantRole(context.Background(), u.ID, u.FirstName, workflow.Grant{Role: role, Direction: direction}, 0)
	if err != nil {
		h.t.Fatal(err)
	}
}

// bind binds a chat (and topic) to a direction code, "triage", "head" or
// "leader".
func (h *harness) bind(chat telegramtest.Chat, thread int, target string) {
	h.t.Helper()
	purpose, dir := "direction", &target
	if target == "triage" || target == "head" || target == "leader" {
		purpose, dir = target, nil
	}
	dbtest.Exec(h.t, h.db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, direction, bound_by) VALUES ($1, $2, $3, $4, 0)`,
		chat.ID, thread, purpose, dir)
}

// count runs a query that returns one number.
func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.Pool().QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// grants returns the roles a user holds in the database.
func (h *harness) grants(userID int64) []workflow.Grant {
	h.t.Helper()
	gs, err := h.db.FindGrants(context.Background(), userID)
	if err != nil {
		h.t.Fatalf("grants of %d: %v", userID, err)
	}
	return gs
}

// housingTeam is the usual cast of an appeal's life: a resident (Алиса),
// an executor (Иван) and a curator (Ольга) of housing, whose chat is
// bound.
type housingTeam struct {
	alice, ivan, olga telegramtest.User
	housing           telegramtest.Chat
}

func (h *harness) housingTeam() housingTeam {
	h.t.Helper()
	team := housingTeam{
		alice: h.srv.NewUser("Алиса"), ivan: h.srv.NewUser("Иван"), olga: h.srv.NewUser("Ольга"),
		housing: h.srv.NewGroup("ЖКХ"),
	}
	h.srv.OpenPrivateChat(team.alice)
	h.bind(team.housing, 0, "housing")
	h.grant(team.ivan, workflow.RoleExecutor, "housing")
	h.grant(team.olga, workflow.RoleCurator, "housing")
	return team
}
