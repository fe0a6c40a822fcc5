package control_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/control"
	"mcu/internal/dbtest"
	"mcu/outbox"
	"mcu/render"
	"mcu/storage"
	"mcu/workflow"
)

// TestRatingReminderAndCloseOverSimulatedDays: five answers given on
// Monday 02.03.2026 at 12:00, the job run at 08:00, 12:00 (twice), 16:00
// and 20:00 every day to 12.03. The resident who does not rate is
// reminded once, on day 3 at 12:00 (with the 1–5 row), and on day 7 at
// 12:00 the system closes the appeal without a rating (an audited close
// by the system) and the resident is told. One rated on day 1 gets
// nothing; one rated after the reminder is reminded and not closed; a
// citizen not in Telegram and a resident who blocked the bot get no
// reminder, and their appeals are closed all the same.
func TestRatingReminderAndCloseOverSimulatedDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(12*time.Hour))
	silent := f.answer(f.submit(resident1, "housing"))
	early := f.answer(f.submit(resident1, "housing"))
	late := f.answer(f.submit(resident1, "housing"))
	phone := f.answer(f.register(workflow.KindMessage, "housing"))
	blocked := f.answer(f.submit(resident2, "housing"))
	f.drain()
	actions := map[time.Time]func(){
		day(time.March, 3): func() { f.apply(early, workflow.EventRate, workflow.Resident(resident1), workflow.Input{Rating: 5}) },
		day(time.March, 6): func() { f.apply(late, workflow.EventRate, workflow.Resident(resident1), workflow.Input{Rating: 2}) },
	}
	got := map[string][]string{}
	closedAt := map[int64]time.Time{}
	for d := day(time.March, 2); d.Before(day(time.March, 13)); d = d.AddDate(0, 0, 1) {
		for _, hour := range []int{8, 12, 12, 16, 20} {
			if act, ok := actions[d]; ok && hour == 12 {
				f.at(d.Add(10 * time.Hour))
				act()
				delete(actions, d)
			}
			f.run(f.ctl.Ratings, d.Add(time.Duration(hour)*time.Hour))
			for _, a := range []*workflow.Appeal{silent, early, late, phone, blocked} {
				if _, seen := closedAt[a.ID]; !seen && f.appeal(a.ID).State == workflow.StateClosed {
					closedAt[a.ID] = f.now
				}
			}
		}
		for _, s := range f.drain() {
			got[d.Format("02.01 ")] = append(got[d.Format("02.01 ")], s.line())
			if want := ratingRow(silent.ID); s.Text != "" && strings.Contains(s.Text, silent.Number()) && !cmp.Equal(s.Buttons, want) {
				t.Errorf("the reminder's buttons: %+v, want %+v", s.Buttons, want)
			}
		}
	}
	reminder := func(a *workflow.Appeal) string {
		return fmt.Sprintf("%d: 02.03.2026 вы получили ответ на сообщение № %s. Оцените, пожалуйста, ответ от 1 до 5 — это помогает нам работать лучше. |  | Если оценки не будет, 09.03.2026 сообщение закроется.",
			resident1, a.Number())
	}
	if diff := cmp.Diff(map[string][]string{"05.03 ": {reminder(silent), reminder(late)}}, got); diff != "" {
		t.Errorf("reminders by day (-want +got):\n%s", diff)
	}
	closeTime := day(time.March, 9).Add(12 * time.Hour)
	wantClosed := map[int64]time.Time{silent.ID: closeTime, phone.ID: closeTime, blocked.ID: closeTime}
	if diff := cmp.Diff(wantClosed, closedAt); diff != "" {
		t.Errorf("closed at (-want +got):\n%s", diff)
	}

	// The close is the system's, audited, and the resident is told.
	events, err := f.db.FindAppealEvents(f.ctx, silent.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Event != workflow.EventClose || last.Actor != workflow.System() || !last.At.Equal(closeTime) {
		t.Errorf("last audit event %+v, want close by the system at %s", last, closeTime)
	}
	told := f.residentNotices(silent.ID, workflow.EventClose)
	if len(told) != 1 {
		t.Fatalf("the resident got %d notices of the close, want 1", len(told))
	}
	if text, _ := render.ResidentMessage(f.appeal(silent.ID), told[0], moscow); !strings.Contains(text, "оценки не поступило") {
		t.Errorf("the resident is told: %q", text)
	}
	if n := len(f.residentNotices(blocked.ID, workflow.EventClose)); n != 0 {
		t.Errorf("a resident who blocked the bot got %d notices", n)
	}
}

// ratingRow is the 1–5 row as buttons of a prepared message.
func ratingRow(id int64) [][]outbox.Button {
	var row []outbox.Button
	for n := 1; n <= 5; n++ {
		row = append(row, outbox.Button{Text: fmt.Sprint(n), Unique: render.UniqueRate, Data: fmt.Sprintf("%d|%d", id, n)})
	}
	return [][]outbox.Button{row}
}

// residentNotices returns the notifications of ev queued for an appeal's
// resident.
func (f *fixture) residentNotices(appealID int64, ev workflow.Event) []workflow.Notification {
	f.t.Helper()
	rows, err := f.db.Pool().Query(f.ctx, `SELECT payload FROM outbox WHERE appeal_id = $1 AND kind = $2 ORDER BY id`,
		appealID, workflow.AudienceResident)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []workflow.Notification
	for rows.Next() {
		var payload []byte
		var n workflow.Notification
		if err := rows.Scan(&payload); err != nil {
			f.t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &n); err != nil {
			f.t.Fatal(err)
		}
		if n.Event == ev {
			out = append(out, n)
		}
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// racingStore lets the resident act between the job's read of the
// unrated answers and its close.
type racingStore struct {
	*storage.DB
	meanwhile func()
}

func (s racingStore) FindUnratedAnswers(ctx context.Context, before time.Time) ([]*workflow.Appeal, error) {
	list, err := s.DB.FindUnratedAnswers(ctx, before)
	s.meanwhile()
	return list, err
}

// TestCloseLosesToARatingMeanwhile: a resident who rates the answer
// after the job read it as unrated, and before the close, wins: the
// appeal stays answered with its rating, and the job does not fail.
func TestCloseLosesToARatingMeanwhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(12*time.Hour))
	a := f.answer(f.submit(resident1, "housing"))
	ctl := control.New(control.Options{
		Store: racingStore{DB: f.db, meanwhile: func() {
			f.apply(a, workflow.EventRate, workflow.Resident(resident1), workflow.Input{Rating: 3})
		}},
		Service: f.svc, Calendar: f.cal, Location: moscow, Now: func() time.Time { return f.now }, Logger: dbtest.Logger(t),
	})
	f.run(ctl.Ratings, day(time.March, 9).Add(13*time.Hour))
	if got := f.appeal(a.ID); got.State != workflow.StateAnswered || got.Rating != 3 {
		t.Errorf("after a rating meanwhile: %s with rating %d, want answered with 3", got.State, got.Rating)
	}
}

// TestRatingDaysConfigured: with MCU_RATING_DAYS at 3 the reminder comes
// a day before the close (after 2 days, not 3) and says when it closes,
// and the close comes on day 3.
func TestRatingDaysConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(12*time.Hour))
	clock := func() time.Time { return f.now }
	f.ctl = control.New(control.Options{
		Store: f.db, Service: f.svc, Calendar: f.cal, Location: moscow, Now: clock, Logger: dbtest.Logger(t), RatingDays: 3,
	})
	a := f.answer(f.submit(resident1, "housing"))
	f.drain()
	f.run(f.ctl.Ratings, day(time.March, 4).Add(11*time.Hour))
	if got := f.drain(); len(got) != 0 {
		t.Errorf("before 2 days: %d messages", len(got))
	}
	f.run(f.ctl.Ratings, day(time.March, 4).Add(12*time.Hour))
	got := f.drain()
	if len(got) != 1 || !strings.Contains(got[0].Text, "Если оценки не будет, 05.03.2026 сообщение закроется.") {
		t.Errorf("after 2 days: %+v, want the reminder naming 05.03.2026", got)
	}
	f.run(f.ctl.Ratings, day(time.March, 5).Add(12*time.Hour))
	if s := f.appeal(a.ID).State; s != workflow.StateClosed {
		t.Errorf("after 3 days the appeal is %s, want closed", s)
	}
}
