package control_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"mcu/control"
	"mcu/internal/dbtest"
	"mcu/outbox"
	"mcu/storage"
	"mcu/workflow"
)

var (
	_ control.Store   = (*storage.DB)(nil)
	_ control.Applier = (*workflow.Service)(nil)
)

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// The cast: chats bound to housing, social and triage (economy has
// none), two curators of housing, an executor, an operator, residents.
const (
	housingChat = -100
	socialChat  = -200
	triageChat  = -300

	curator1 = 3001
	curator2 = 3002
	executor = 3003
	operator = 3004

	resident1 = 1001 // writes to the bot
	resident2 = 1002 // blocked the bot
)

// fixture is a fresh database with a workflow service and deadline
// control over it, all on one injected clock.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	db   *storage.DB
	svc  *workflow.Service
	ctl  *control.Control
	cal  *workflow.Calendar
	now  time.Time
	seen int64 // the last outbox id drain has returned
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: dbtest.New(t), cal: workflow.NewCalendar(nil, nil), now: start}
	clock := func() time.Time { return f.now }
	f.svc = &workflow.Service{Store: f.db, Calendar: f.cal, Location: moscow, Now: clock, Logger: dbtest.Logger(t)}
	f.ctl = control.New(control.Options{
		Store: f.db, Service: f.svc, Calendar: f.cal, Location: moscow, Now: clock, Logger: dbtest.Logger(t),
	})
	dbtest.Exec(t, f.db, `INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now()), ($2, $2, now())`,
		resident1, resident2)
	dbtest.Exec(t, f.db, `UPDATE residents SET blocked_at = now() WHERE telegram_user_id = $1`, resident2)
	dbtest.Exec(t, f.db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES
		($1, 'direction', 'housing', 1), ($2, 'direction', 'social', 1), ($3, 'triage', NULL, 1)`,
		housingChat, socialChat, triageChat)
	for id, g := range map[int64]workflow.Grant{
		curator1: {Role: workflow.RoleCurator, Direction: "housing"},
		curator2: {Role: workflow.RoleCurator, Direction: "housing"},
		executor: {Role: workflow.RoleExecutor, Direction: "housing"},
		operator: {Role: workflow.RoleOperator},
	} {
		if err := f.db.GrantRole(f.ctx, id, fmt.Sprint("staff ", id), g, 0); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// at sets the clock.
func (f *fixture) at(t time.Time) { f.now = t }

// day returns 00:00 of a date of 2026 in Moscow.
func day(month time.Month, d int) time.Time { return time.Date(2026, month, d, 0, 0, 0, 0, moscow) }

// residentID returns residents.id of a Telegram user.
func (f *fixture) residentID(userID int64) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Pool().QueryRow(f.ctx, `SELECT id FROM residents WHERE telegram_user_id = $1`, userID).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// submit submits a resident's message to direction ("" for triage).
func (f *fixture) submit(userID int64, direction string) *workflow.Appeal {
	f.t.Helper()
	a, err := f.svc.Submit(f.ctx, workflow.Resident(userID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: direction,
		ResidentID: f.residentID(userID), Text: "Во дворе дома 5 не вывозят мусор третью неделю",
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// register registers an appeal that came by another channel, as the
// operator.
func (f *fixture) register(kind workflow.Kind, direction string) *workflow.Appeal {
	f.t.Helper()
	a, err := f.svc.Submit(f.ctx, workflow.Staff(operator), workflow.NewAppeal{
		Kind: kind, Source: workflow.SourcePOS, Direction: direction,
		Text: "Прошу проверить законность вырубки деревьев у школы", ContactName: "Петров П. П.", Contact: "+7 900 000-00-00",
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// apply fires ev on the appeal as actor.
func (f *fixture) apply(a *workflow.Appeal, ev workflow.Event, actor workflow.Actor, in workflow.Input) *workflow.Appeal {
	f.t.Helper()
	out, err := f.svc.Apply(f.ctx, workflow.Command{AppealID: a.ID, Event: ev, Actor: actor, Input: in})
	if err != nil {
		f.t.Fatalf("%s on %s: %v", ev, a.Number(), err)
	}
	return out
}

// answer takes, drafts and approves an appeal of housing.
func (f *fixture) answer(a *workflow.Appeal) *workflow.Appeal {
	f.t.Helper()
	a = f.apply(a, workflow.EventTake, workflow.Staff(executor), workflow.Input{})
	a = f.apply(a, workflow.EventSubmitDraft, workflow.Staff(executor), workflow.Input{Text: "Мусор вывезен, график восстановлен."})
	return f.apply(a, workflow.EventApprove, workflow.Staff(curator1), workflow.Input{})
}

// appeal returns an appeal as stored now.
func (f *fixture) appeal(id int64) *workflow.Appeal {
	f.t.Helper()
	a, err := f.db.FindAppeal(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// run runs a job at slot, with the clock at slot.
func (f *fixture) run(job func(context.Context, time.Time, bool) error, slot time.Time) {
	f.t.Helper()
	f.at(slot)
	if err := job(f.ctx, slot, false); err != nil {
		f.t.Fatalf("run at %s: %v", slot.Format(time.DateTime), err)
	}
}

// sent is a prepared message in the outbox.
type sent struct {
	Chat int64
	outbox.Prepared
}

// line is a message as the tests compare it: the chat, then the text's
// first three lines.
func (s sent) line() string {
	lines := strings.SplitN(s.Text, "\n", 4)
	return fmt.Sprintf("%d: %s", s.Chat, strings.Join(lines[:min(3, len(lines))], " | "))
}

// drain returns the prepared messages enqueued since the last drain.
func (f *fixture) drain() []sent {
	f.t.Helper()
	rows, err := f.db.Pool().Query(f.ctx, `SELECT id, chat_id, payload FROM outbox WHERE id > $1 AND kind = $2 ORDER BY id`,
		f.seen, outbox.KindPrepared)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []sent
	for rows.Next() {
		var s sent
		var payload []byte
		if err := rows.Scan(&f.seen, &s.Chat, &payload); err != nil {
			f.t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &s.Prepared); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// lines returns drain's messages as lines.
func (f *fixture) lines() []string {
	f.t.Helper()
	var out []string
	for _, s := range f.drain() {
		out = append(out, s.line())
	}
	return out
}

// count runs a query that returns one number.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool().QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}
