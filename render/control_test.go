package render_test

import (
	"strings"
	"testing"
	"time"

	"mcu/internal/golden"
	"mcu/render"
	"mcu/workflow"
)

// TestControlTextsGolden renders what deadline control sends and
// compares it with testdata/control/*.golden (go test ./render -update
// rewrites them).
func TestControlTextsGolden(t *testing.T) {
	loc := time.FixedZone("MSK", 3*60*60)
	now := time.Date(2026, 3, 16, 8, 0, 0, 0, loc)
	appeal := func(seq int, s workflow.State, due time.Time) *workflow.Appeal {
		return &workflow.Appeal{ID: int64(seq), Year: 2026, Seq: seq, Kind: workflow.KindMessage, State: s,
			Direction: "housing", DueAt: due, RegisteredAt: due.AddDate(0, 0, -14), AnsweredAt: now.AddDate(0, 0, -3)}
	}
	endOf := func(day int) time.Time { return time.Date(2026, 3, day, 23, 59, 59, 0, loc) }
	late := appeal(17, workflow.StateInProgress, endOf(12))
	today := appeal(18, workflow.StateOnApproval, endOf(16))
	incident := appeal(19, workflow.StateAssigned, time.Date(2026, 3, 17, 10, 30, 0, 0, loc))
	incident.Kind = workflow.KindIncident
	soon := appeal(20, workflow.StateAssigned, endOf(18))
	summary := render.SummaryView{
		Direction: "ЖКХ", Date: now, SoonWorkdays: 2,
		Overdue: []*workflow.Appeal{late}, DueToday: []*workflow.Appeal{today},
		DueSoon: []*workflow.Appeal{incident, soon}, OnApproval: []*workflow.Appeal{today},
		Untaken: []*workflow.Appeal{incident, soon},
	}
	triage := appeal(21, workflow.StateRegistered, endOf(31))
	triage.Kind, triage.Direction, triage.RegisteredAt = workflow.KindAppeal59, "", time.Date(2026, 3, 9, 15, 0, 0, 0, loc)
	closed := appeal(22, workflow.StateClosed, endOf(2))
	closedText, markup := render.ResidentMessage(closed, workflow.Notification{Event: workflow.EventClose}, loc)
	if markup != nil {
		t.Errorf("the notice of a system close has buttons: %v", markup.InlineKeyboard)
	}
	cases := map[string]string{
		"summary":             render.SummaryText(summary, loc, now),
		"reminder_3":          render.DeadlineReminder(soon, "ЖКХ", 3, loc),
		"reminder_1_incident": render.DeadlineReminder(incident, "ЖКХ", 1, loc),
		"escalation_today":    render.DeadlineEscalation(today, "ЖКХ", loc, now),
		"escalation_late":     render.DeadlineEscalation(late, "ЖКХ", loc, now),
		"redirect_reminder":   render.RedirectReminder(triage, time.Date(2026, 3, 16, 0, 0, 0, 0, loc), loc),
		"redirect_escalation": render.RedirectEscalation(triage, time.Date(2026, 3, 16, 0, 0, 0, 0, loc), loc, now),
		"redirect_late":       render.RedirectEscalation(triage, time.Date(2026, 3, 16, 0, 0, 0, 0, loc), loc, now.AddDate(0, 0, 1)),
		"rating_reminder":     render.RatingReminder(closed, now.AddDate(0, 0, 4), loc),
		"closed_unrated":      closedText,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) { golden.Check(t, "control/"+name+".golden", text+"\n") })
	}
}

// TestSummaryListsAtMostTwentyPerSection: a long section is cut, the
// rest counted.
func TestSummaryListsAtMostTwentyPerSection(t *testing.T) {
	var list []*workflow.Appeal
	for i := range 23 {
		list = append(list, &workflow.Appeal{Year: 2026, Seq: i + 1, DueAt: time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)})
	}
	text := render.SummaryText(render.SummaryView{Direction: "ЖКХ", Overdue: list}, time.UTC, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	if n := strings.Count(text, "• № "); n != 20 || !strings.Contains(text, "Просрочено — 23:") || !strings.Contains(text, "… и ещё 3") {
		t.Errorf("23 overdue appeals, %d lines:\n%s", n, text)
	}
}

// TestResidentToldOnlyOfSystemClose: a close by the resident («Да»,
// solved yes) or of an appeal reopened since is not told again.
func TestResidentToldOnlyOfSystemClose(t *testing.T) {
	a := &workflow.Appeal{Year: 2026, Seq: 1, State: workflow.StateClosed}
	n := workflow.Notification{Event: workflow.EventClose}
	if text, _ := render.ResidentMessage(a, n, time.UTC); text == "" {
		t.Error("a system close is not told")
	}
	n.Input.Solved = workflow.SolvedYes
	if text, _ := render.ResidentMessage(a, n, time.UTC); text != "" {
		t.Errorf("the resident's own close is told: %q", text)
	}
	n.Input.Solved, a.State = "", workflow.StateReopened
	if text, _ := render.ResidentMessage(a, n, time.UTC); text != "" {
		t.Errorf("a close since reopened is told: %q", text)
	}
}
