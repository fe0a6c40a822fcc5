package control_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/render"
	"mcu/workflow"
)

// TestDeadlineRemindersOverSimulatedDays registers three messages to
// housing on Monday 02.03.2026 (due 17.03: 10 working days, 09.03 being a
// holiday) and runs the job at 08:00 (twice, as a mistaken second run
// for one slot), 14:00 and 20:00 every day to the end of March. The first
// appeal gets each alert once: 3 working days before (12.03), 1 before
// (16.03), and the escalation on the due day (17.03) in the chat and to
// both curators in private. The second is extended on 16.03 after its
// reminder: its alerts start over for the new due date 27.03. The third
// is answered on 11.03 and gets nothing.
func TestDeadlineRemindersOverSimulatedDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(10*time.Hour))
	first, second, third := f.submit(resident1, "housing"), f.submit(resident1, "housing"), f.submit(resident1, "housing")
	if want := day(time.March, 17).Add(24*time.Hour - time.Second); !first.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s", first.DueAt.In(moscow), want)
	}
	actions := map[time.Time]func(){
		day(time.March, 11): func() { f.answer(third) },
		day(time.March, 16): func() {
			f.apply(second, workflow.EventExtend, workflow.Staff(curator1), workflow.Input{Days: 10, Reason: "Нужен выезд комиссии"})
		},
	}
	f.drain()
	got := map[string][]string{}
	for d := day(time.March, 2); d.Before(day(time.April, 1)); d = d.AddDate(0, 0, 1) {
		for _, hour := range []int{8, 8, 14, 20} {
			if act, ok := actions[d]; ok && hour == 14 {
				f.at(d.Add(10 * time.Hour))
				act()
				delete(actions, d)
			}
			f.run(f.ctl.Deadlines, d.Add(time.Duration(hour)*time.Hour))
		}
		if lines := f.lines(); len(lines) > 0 {
			got[d.Format("02.01")] = lines
		}
	}
	remind := func(a *workflow.Appeal, due, left string) string {
		return "-100: ⏰ Напоминание о сроке | № " + a.Number() + " · ЖКХ | Срок ответа — " + due + ", через " + left + "."
	}
	escalate := func(a *workflow.Appeal, chat, due string) string {
		return chat + ": ⚠️ Срок ответа | № " + a.Number() + " · ЖКХ | Срок ответа истекает сегодня, " + due + "."
	}
	want := map[string][]string{
		"12.03": {remind(first, "17.03.2026", "3 рабочих дня"), remind(second, "17.03.2026", "3 рабочих дня")},
		"16.03": {remind(first, "17.03.2026", "1 рабочий день"), remind(second, "17.03.2026", "1 рабочий день")},
		"17.03": {escalate(first, "-100", "17.03.2026"), escalate(first, "3001", "17.03.2026"), escalate(first, "3002", "17.03.2026")},
		"24.03": {remind(second, "27.03.2026", "3 рабочих дня")},
		"26.03": {remind(second, "27.03.2026", "1 рабочий день")},
		"27.03": {escalate(second, "-100", "27.03.2026"), escalate(second, "3001", "27.03.2026"), escalate(second, "3002", "27.03.2026")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alerts by day (-want +got):\n%s", diff)
	}

	escalations, err := f.db.FindEscalations(f.ctx, day(time.March, 1), day(time.April, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(escalations) != 2 || escalations[0].Number != first.Number() || escalations[1].Number != second.Number() ||
		!escalations[0].SentAt.Equal(day(time.March, 17).Add(8*time.Hour)) {
		t.Errorf("escalations for the digest: %+v; want %s on 17.03 at 08:00, then %s", escalations, first.Number(), second.Number())
	}
}

// TestLateRunSendsOnlyTheFurthestThreshold: the job did not run until the
// day after the deadline; its first run sends the escalation (saying the
// deadline has passed) and not the reminders it missed, once.
func TestLateRunSendsOnlyTheFurthestThreshold(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(10*time.Hour))
	a := f.submit(resident1, "housing")
	f.drain()
	for range 2 {
		f.run(f.ctl.Deadlines, day(time.March, 18).Add(9*time.Hour))
	}
	got := f.drain()
	if len(got) != 3 {
		t.Fatalf("a late run sent %d messages, want the escalation to the chat and two curators:\n%v", len(got), got)
	}
	if !strings.Contains(got[0].Text, "Срок ответа истёк 17.03.2026, просрочено на 1 день.") {
		t.Errorf("the late escalation:\n%s", got[0].Text)
	}
	if b := got[0].Buttons; len(b) != 1 || b[0][0].Unique != render.UniqueShowCard || b[0][0].Data != itoa(a.ID) {
		t.Errorf("the escalation's button: %+v, want «%s» re-posting %d", b, render.BtnShowCard, a.ID)
	}
	if len(got[1].Buttons) != 0 {
		t.Errorf("a curator's private message has buttons: %+v", got[1].Buttons)
	}
	if n := f.count(`SELECT count(*) FROM deadline_alerts`); n != 1 {
		t.Errorf("%d alerts recorded, want the escalation only", n)
	}
}

// TestNothingDueSendsNothing: an appeal taken with its deadline two weeks
// away, an answer rated, a message in triage: no job sends anything.
func TestNothingDueSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(7*time.Hour))
	f.apply(f.submit(resident1, "housing"), workflow.EventTake, workflow.Staff(executor), workflow.Input{})
	rated := f.answer(f.submit(resident1, "housing"))
	f.apply(rated, workflow.EventRate, workflow.Resident(resident1), workflow.Input{Rating: 5})
	f.submit(resident1, "")
	f.drain()
	slot := day(time.March, 3).Add(8 * time.Hour)
	for _, job := range f.ctl.Jobs() {
		f.run(job.Run, slot)
	}
	if got := f.lines(); len(got) != 0 {
		t.Errorf("sent with nothing due: %v", got)
	}
	if n := f.count(`SELECT count(*) FROM deadline_alerts`); n != 0 {
		t.Errorf("%d alerts recorded with nothing due", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
