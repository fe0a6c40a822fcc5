package workflow_test

import (
	"context"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

var moscow = mustLocation("Europe/Moscow")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Test actors.
const (
	residentUser = 1001 // the resident who owns the fixtures' appeals
	otherUser    = 1002 // another resident
	staffAll     = 2001 // holds every role, curator and executor of housing
)

// fixture is a fresh database with a service over it.
type fixture struct {
	db  *storage.DB
	svc *workflow.Service
	now time.Time
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db := dbtest.New(tb)
	f := &fixture{db: db, now: time.Date(2026, 3, 2, 10, 0, 0, 0, moscow)}
	f.svc = &workflow.Service{
		Store:    db,
		Calendar: workflow.NewCalendar(nil, nil),
		Location: moscow,
		Now:      func() time.Time { return f.now },
		Logger:   dbtest.Logger(tb),
	}
	dbtest.Exec(tb, db, `INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now()), ($2, $2, now())`,
		residentUser, otherUser)
	dbtest.Exec(tb, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES
		(-100, 'direction', 'housing', 1), (-200, 'direction', 'social', 1), (-300, 'triage', NULL, 1)`)
	for _, g := range []workflow.Grant{
		{Role: workflow.RoleAdmin}, {Role: workflow.RoleOperator},
		{Role: workflow.RoleCurator, Direction: "housing"}, {Role: workflow.RoleExecutor, Direction: "housing"},
	} {
		if err := db.GrantRole(context.Background(), staffAll, "Все роли", g, 0); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

func (f *fixture) residentID(tb testing.TB, userID int64) int64 {
	tb.Helper()
	var id int64
	err := f.db.Pool().QueryRow(context.Background(), `SELECT id FROM residents WHERE telegram_user_id = $1`, userID).Scan(&id)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// submit submits a resident's message to direction ("" for triage).
func (f *fixture) submit(tb testing.TB, direction string) *workflow.Appeal {
	tb.Helper()
	a, err := f.svc.Submit(context.Background(), workflow.Resident(residentUser), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: direction,
		ResidentID: f.residentID(tb, residentUser), Text: "Во дворе дома 5 не вывозят мусор третью неделю",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// inState returns an appeal of the housing direction forced into state s
// (with a draft, so that approve has something to approve; in a state of
// being worked on, reopened once by its resident as not solved, so that
// resident_commented has a reopening to comment on).
func (f *fixture) inState(tb testing.TB, s workflow.State) *workflow.Appeal {
	tb.Helper()
	a := f.submit(tb, "housing")
	dbtest.Exec(tb, f.db, `UPDATE appeals SET state = $2, draft = 'Мусор вывезен 3 марта.' WHERE id = $1`, a.ID, s)
	switch s {
	case workflow.StateAssigned, workflow.StateInProgress, workflow.StateClarification, workflow.StateOnApproval, workflow.StateReopened:
		dbtest.Exec(tb, f.db, `UPDATE appeals SET reopen_count = 1, solved = 'no' WHERE id = $1`, a.ID)
	case workflow.StateReceived: // not registered, not routed
		dbtest.Exec(tb, f.db, `UPDATE appeals SET year = NULL, seq = NULL, due_at = NULL, direction = NULL WHERE id = $1`, a.ID)
	case workflow.StateRegistered: // in triage
		dbtest.Exec(tb, f.db, `UPDATE appeals SET direction = NULL WHERE id = $1`, a.ID)
	}
	a, err := f.db.FindAppeal(context.Background(), a.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// counts are what a refused command must leave unchanged.
type counts struct {
	State   workflow.State
	Version int
	Events  int
	Outbox  int
}

func (f *fixture) counts(tb testing.TB, id int64) counts {
	tb.Helper()
	var c counts
	err := f.db.Pool().QueryRow(context.Background(), `
		SELECT a.state, a.version,
			(SELECT count(*) FROM appeal_events e WHERE e.appeal_id = a.id),
			(SELECT count(*) FROM outbox o WHERE o.appeal_id = a.id)
		FROM appeals a WHERE a.id = $1`, id).Scan(&c.State, &c.Version, &c.Events, &c.Outbox)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// validInput returns an input with which ev succeeds when allowed.
func validInput(ev workflow.Event) workflow.Input {
	switch ev {
	case workflow.EventRoute:
		return workflow.Input{Direction: "housing"}
	case workflow.EventReroute:
		return workflow.Input{Direction: "social"}
	case workflow.EventAskResident:
		return workflow.Input{Text: "Уточните номер дома, пожалуйста."}
	case workflow.EventResidentReplied:
		return workflow.Input{Text: "Дом 5, корпус 2."}
	case workflow.EventSubmitDraft:
		return workflow.Input{Text: "Мусор вывезен 3 марта, график восстановлен."}
	case workflow.EventReturn:
		return workflow.Input{Reason: "no_date"}
	case workflow.EventReject:
		return workflow.Input{Reason: "obscene"}
	case workflow.EventRedirect:
		return workflow.Input{Authority: "Прокуратура Сланцевского района"}
	case workflow.EventExtend:
		return workflow.Input{Days: 30, Reason: "Нужен выезд комиссии"}
	case workflow.EventRate:
		return workflow.Input{Rating: 4}
	case workflow.EventReopen:
		return workflow.Input{Solved: workflow.SolvedNo}
	case workflow.EventResidentCommented:
		return workflow.Input{Text: "Мусор снова лежит у второго подъезда."}
	}
	return workflow.Input{}
}

// actorFor returns an actor allowed to fire ev on the fixtures' appeals.
func actorFor(ev workflow.Event) workflow.Actor {
	switch ev {
	case workflow.EventRegister, workflow.EventClose:
		return workflow.System()
	case workflow.EventResidentReplied, workflow.EventRate, workflow.EventReopen, workflow.EventResidentCommented, workflow.EventWithdraw:
		return workflow.Resident(residentUser)
	}
	return workflow.Staff(staffAll)
}

// lifecycle is the expected transition table, written out by hand from
// the README so that it checks the fsm table rather than repeating it.
var lifecycle = map[workflow.Event]map[workflow.State]workflow.State{
	"register":         {"received": "registered"},
	"route":            {"registered": "assigned"},
	"take":             {"assigned": "in_progress", "reopened": "in_progress"},
	"ask_resident":     {"in_progress": "clarification"},
	"resident_replied": {"clarification": "in_progress"},
	"submit_draft":     {"in_progress": "on_approval"},
	"approve":          {"on_approval": "answered"},
	"return":           {"on_approval": "in_progress"},
	"reroute":          {"assigned": "assigned", "in_progress": "assigned", "clarification": "assigned", "reopened": "assigned"},
	"extend":           {"assigned": "assigned", "in_progress": "in_progress", "clarification": "clarification", "on_approval": "on_approval", "reopened": "reopened"},
	"rate":             {"answered": "answered"},
	"reopen":           {"answered": "reopened", "closed": "reopened"},
	"resident_commented": {"assigned": "assigned", "in_progress": "in_progress", "clarification": "clarification",
		"on_approval": "on_approval", "reopened": "reopened"},
	"close":    {"answered": "closed"},
	"reject":   {"registered": "rejected", "assigned": "rejected", "in_progress": "rejected", "clarification": "rejected"},
	"redirect": {"registered": "redirected", "assigned": "redirected", "in_progress": "redirected", "clarification": "redirected"},
	"withdraw": {"received": "withdrawn", "registered": "withdrawn", "assigned": "withdrawn", "in_progress": "withdrawn", "clarification": "withdrawn", "on_approval": "withdrawn", "reopened": "withdrawn"},
}

func TestEveryStateEventPair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, from := range workflow.States() {
		for _, ev := range workflow.Events() {
			want, allowed := lifecycle[ev][from]
			a := f.inState(t, from)
			before := f.counts(t, a.ID)
			got, err := f.svc.Apply(ctx, workflow.Command{AppealID: a.ID, Event: ev, Actor: actorFor(ev), Input: validInput(ev)})
			after := f.counts(t, a.ID)
			if !allowed {
				// An appeal not routed yet has no direction, so the
				// direction's staff are refused before the state is.
				code := workflow.ErrorCode(err)
				inTriage := from == workflow.StateReceived || from == workflow.StateRegistered
				if code != workflow.EInvalid && !(inTriage && code == workflow.EForbidden) {
					t.Errorf("%s in %s: error %v (code %q), want code invalid", ev, from, err, code)
				}
				if after != before {
					t.Errorf("%s in %s was refused but changed %+v to %+v", ev, from, before, after)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s in %s: %v", ev, from, err)
				continue
			}
			if got.State != want || after.State != want {
				t.Errorf("%s in %s: state %s (stored %s), want %s", ev, from, got.State, after.State, want)
			}
			if after.Version != before.Version+1 || after.Events != before.Events+1 {
				t.Errorf("%s in %s: version %d→%d, audit %d→%d; want +1 each", ev, from,
					before.Version, after.Version, before.Events, after.Events)
			}
			if after.Outbox <= before.Outbox {
				t.Errorf("%s in %s enqueued no notification", ev, from)
			}
		}
	}
}

// TestSubmitToldInPlaceSendsNoNotice: a resident told the number where
// they submitted (the bot's dialog) gets no separate notice; the card
// goes all the same.
func TestSubmitToldInPlaceSendsNoNotice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	kinds := func(id int64) map[string]int {
		rows, err := f.db.Pool().Query(context.Background(), `SELECT kind FROM outbox WHERE appeal_id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out[k]++
		}
		return out
	}
	for _, told := range []bool{false, true} {
		a, err := f.svc.Submit(context.Background(), workflow.Resident(residentUser), workflow.NewAppeal{
			Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
			ResidentID: f.residentID(t, residentUser), Text: "Во дворе дома 5 не вывозят мусор третью неделю",
			Told: told,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := kinds(a.ID)
		if want := map[bool]int{false: 1, true: 0}[told]; got[string(workflow.AudienceResident)] != want || got[string(workflow.AudienceCard)] == 0 {
			t.Errorf("told=%v: outbox %v, want %d resident notices and a card", told, got, want)
		}
	}
}
