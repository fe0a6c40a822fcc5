package control_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/render"
	"mcu/workflow"
)

// TestMorningSummary: on Monday 16.03.2026 at 08:00 the housing chat gets
// one summary (the job run twice for the slot): an appeal overdue and not
// taken, one due today, two due in the next 2 working days (17.03 and
// 18.03), a draft waiting for approval; not the one due in 3 working
// days. Each appeal's number is a button, once. The social chat, with
// nothing to report, gets nothing; economy has no chat bound.
func TestMorningSummary(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 16).Add(7*time.Hour))
	dueOn := func(a *workflow.Appeal, d time.Time) *workflow.Appeal {
		f.t.Helper()
		f.exec(`UPDATE appeals SET due_at = $2 WHERE id = $1`, a.ID, workflow.EndOfDay(d))
		return f.appeal(a.ID)
	}
	take := func(a *workflow.Appeal) *workflow.Appeal {
		return f.apply(a, workflow.EventTake, workflow.Staff(executor), workflow.Input{})
	}
	overdue := dueOn(f.submit(resident1, "housing"), day(time.March, 13))
	today := dueOn(take(f.submit(resident1, "housing")), day(time.March, 16))
	tomorrow := dueOn(take(f.submit(resident1, "housing")), day(time.March, 17))
	inTwo := dueOn(take(f.submit(resident1, "housing")), day(time.March, 18))
	dueOn(take(f.submit(resident1, "housing")), day(time.March, 19)) // in 3 working days: not listed
	draft := f.apply(take(f.submit(resident1, "housing")), workflow.EventSubmitDraft, workflow.Staff(executor),
		workflow.Input{Text: "Мусор вывезен."})
	f.submit(resident1, "economy")
	f.drain()

	slot := day(time.March, 16).Add(8 * time.Hour)
	f.run(f.ctl.Summary, slot)
	f.run(f.ctl.Summary, slot)
	got := f.drain()
	if len(got) != 1 || got[0].Chat != housingChat {
		t.Fatalf("summaries sent: %v, want one to the housing chat", got)
	}
	text := got[0].Text
	for _, want := range []string{
		"Сводка на 16.03.2026 · ЖКХ",
		"Просрочено — 1:\n• № " + overdue.Number() + ", срок 13.03.2026, просрочено на 3 дня\n",
		"Срок сегодня — 1:\n• № " + today.Number() + ", срок 16.03.2026\n",
		"Срок в ближайшие 2 рабочих дня — 2:\n• № " + tomorrow.Number() + ", срок 17.03.2026\n• № " + inTwo.Number() + ", срок 18.03.2026\n",
		"Проекты ответов ждут утверждения — 1:\n• № " + draft.Number(),
		"Никто не взял в работу — 1:\n• № " + overdue.Number(),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	var numbers [][]string
	for _, row := range got[0].Buttons {
		var r []string
		for _, b := range row {
			r = append(r, b.Text)
			if b.Unique != render.UniqueShowCard || b.Data != itoa(f.appealByNumber(b.Text).ID) {
				t.Errorf("button %+v does not re-post the card of %s", b, b.Text)
			}
			if data := "\f" + b.Unique + "|" + b.Data; len(data) > render.MaxCallbackBytes {
				t.Errorf("callback data %q over %d bytes", data, render.MaxCallbackBytes)
			}
		}
		numbers = append(numbers, r)
	}
	want := [][]string{{overdue.Number(), today.Number(), tomorrow.Number()}, {inTwo.Number(), draft.Number()}}
	if diff := cmp.Diff(want, numbers); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	if n := f.count(`SELECT count(*) FROM staff_summaries WHERE slot = $1`, slot); n != 2 {
		t.Errorf("%d summaries recorded for the slot, want housing and social", n)
	}
}

// TestNoSummaryOnADayOffOrLate: no summary on a public holiday that falls
// on a weekday (09.03.2026, for 8 March), nor from a late run on a later
// day; a late run on its own day sends it.
func TestNoSummaryOnADayOffOrLate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 5).Add(7*time.Hour))
	f.submit(resident1, "housing") // not taken: always something to report
	f.drain()
	if f.cal.IsWorkday(day(time.March, 9)) {
		t.Fatal("09.03.2026 should be a day off")
	}
	f.run(f.ctl.Summary, day(time.March, 9).Add(8*time.Hour))
	if got := f.lines(); len(got) != 0 {
		t.Errorf("a summary on a holiday: %v", got)
	}
	late := func(slot, now time.Time) {
		f.at(now)
		if err := f.ctl.Summary(f.ctx, slot, true); err != nil {
			t.Fatal(err)
		}
	}
	late(day(time.March, 10).Add(8*time.Hour), day(time.March, 11).Add(9*time.Hour))
	if got := f.lines(); len(got) != 0 {
		t.Errorf("yesterday's summary sent late: %v", got)
	}
	late(day(time.March, 11).Add(8*time.Hour), day(time.March, 11).Add(11*time.Hour))
	if got := f.lines(); len(got) != 1 {
		t.Errorf("today's summary run late at 11:00: %v, want one", got)
	}
}

// appealByNumber returns an appeal by its registration number.
func (f *fixture) appealByNumber(number string) *workflow.Appeal {
	f.t.Helper()
	a, err := f.db.FindAppealByNumber(f.ctx, number)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// exec runs SQL, failing the test on error.
func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Pool().Exec(f.ctx, query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}
