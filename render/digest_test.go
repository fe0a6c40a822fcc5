package render_test

import (
	"strings"
	"testing"
	"time"

	"mcu/internal/golden"
	"mcu/render"
	"mcu/workflow"
)

// digestDirections are the decree's five directions, as the database
// names them.
func digestDirections() []workflow.DirectionFigures {
	return []workflow.DirectionFigures{
		{Code: "politics", Name: "Внутренняя политика"},
		{Code: "social", Name: "Безопасность, социальная политика, образование, культура и спорт"},
		{Code: "housing", Name: "ЖКХ"},
		{Code: "economy", Name: "Экономика и финансы"},
		{Code: "property", Name: "Имущество, земельные ресурсы, жилищный контроль, архитектура"},
	}
}

// TestDigestQuiet: a quiet day — nothing new, nothing late, no answers
// or ratings in either period — says so instead of showing zeros as
// figures, and has no buttons.
func TestDigestQuiet(t *testing.T) {
	loc := time.FixedZone("MSK", 3*60*60)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, loc)
	d := workflow.Digest{
		Since: now.Add(-24 * time.Hour), Now: now, DueBy: workflow.EndOfDay(now.AddDate(0, 0, 2)),
		Directions: digestDirections(), Open: 2,
		AnswerTime:  workflow.Indicator{Target: 8, LowerIsBetter: true},
		OnTime:      workflow.Indicator{Target: 100},
		GoodRatings: workflow.Indicator{Target: 60},
		Reopens:     workflow.Indicator{LowerIsBetter: true},
	}
	text, markup := render.Digest(d, loc)
	golden.Check(t, "digest/quiet.golden", view(text, markup))
	if len(markup.InlineKeyboard) != 0 {
		t.Errorf("buttons on a quiet day: %v", markup.InlineKeyboard)
	}
}

// TestDigestEscalations: the appeals escalated since the last digest are
// one line after the overdue ones — how many, the first five with their
// direction (triage in lower case, an inactive direction by its code, a
// 59-ФЗ appeal not redirected said so), then «…и ещё N» — and a button
// each after the overdue ones' (one button for an appeal that is both).
func TestDigestEscalations(t *testing.T) {
	loc := time.FixedZone("MSK", 3*60*60)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, loc)
	sent := now.Add(-time.Hour)
	d := workflow.Digest{
		Since: now.Add(-24 * time.Hour), Now: now, DueBy: workflow.EndOfDay(now.AddDate(0, 0, 2)),
		Directions: digestDirections(), Open: 9, Overdue: 2,
		Worst: []workflow.OverdueAppeal{
			{Number: "2026-000003", Direction: "property", DaysLate: 12},
			{Number: "2026-000005", Direction: "housing", DaysLate: 1},
		},
		Escalated: 7,
		Escalations: []workflow.EscalatedAppeal{
			{Number: "2026-000005", Direction: "housing", SentAt: sent},
			{Number: "2026-000009", Redirect: true, SentAt: sent},
			{Number: "2026-000010", Direction: "social", SentAt: sent},
			{Number: "2026-000011", Direction: "transport", SentAt: sent},
			{Number: "2026-000012", Direction: "property", Redirect: true, SentAt: sent},
		},
		AnswerTime:  workflow.Indicator{Target: 8, LowerIsBetter: true},
		OnTime:      workflow.Indicator{Target: 100},
		GoodRatings: workflow.Indicator{Target: 60},
		Reopens:     workflow.Indicator{LowerIsBetter: true},
	}
	text, markup := render.Digest(d, loc)
	golden.Check(t, "digest/escalations.golden", view(text, markup))

	d.Escalated, d.Escalations = 1, d.Escalations[1:2]
	text, markup = render.Digest(d, loc)
	if want := "\nЭскалировано с прошлой сводки: 1 — 2026-000009 (без направления, 59-ФЗ: не переадресовано)\n"; !strings.Contains(text, want) {
		t.Errorf("one escalated appeal, want %q in:\n%s", want, text)
	}
	if strings.Contains(text, "ещё") {
		t.Errorf("«…и ещё» with nothing more:\n%s", text)
	}
	if got := view("", markup); got != "\n[2026-000003] [2026-000005] [2026-000009]\n" {
		t.Errorf("buttons %q", got)
	}
}

// TestDigestFitsCaption: the busiest digest of the decree's directions —
// every direction new, a direction no longer active, triage, five late
// appeals of the longest names, incidents open, made and answered, every
// figure moved, no escalation — still
// fits a photo's caption, sent late too, so the text and the chart go as
// one message. (With five escalations it does not: see the digest
// package's TestPreparedBusiestFollowsChart.)
func TestDigestFitsCaption(t *testing.T) {
	loc := time.FixedZone("MSK", 3*60*60)
	now := time.Date(2026, 12, 17, 9, 0, 0, 0, loc)
	dirs := append(digestDirections(),
		workflow.DirectionFigures{Code: "transport", Name: "transport"}, workflow.DirectionFigures{})
	for i := range dirs {
		dirs[i].New, dirs[i].Open, dirs[i].Overdue = 1234, 12345, 1234
	}
	var worst []workflow.OverdueAppeal
	for i := range 5 {
		worst = append(worst, workflow.OverdueAppeal{Number: "2026-123456", Direction: "politics", DaysLate: 365 + i})
	}
	ind := func(v, prev, target float64, lower bool) workflow.Indicator {
		return workflow.Indicator{Value: v, Previous: prev, Known: true, PreviousKnown: true, Target: target, LowerIsBetter: lower}
	}
	d := workflow.Digest{
		Since: now.Add(-24 * time.Hour), Now: now, DueBy: now, Directions: dirs, Worst: worst,
		New: 12345, Open: 123456, Overdue: 12345, DueSoon: 12345, Answered: 12345, Closed: 12345,
		Incidents:  workflow.IncidentFigures{Open: 123, Appeals: 12345, Made: 123, Answered: 123},
		AnswerTime: ind(12.3, 11.2, 8, true), OnTime: ind(99, 100, 100, false),
		GoodRatings: ind(59, 61, 60, false), Reopens: ind(100, 99, 0, true),
	}
	text, _ := render.Digest(d, loc)
	if !render.FitsCaption(text) {
		t.Errorf("%d characters, over a caption's 1024:\n%s", len([]rune(text)), text)
	}
	if late := render.DigestLateNote(now, loc) + "\n" + text; !render.FitsCaption(late) {
		t.Errorf("sent late, %d characters, over a caption's 1024:\n%s", len([]rune(late)), late)
	}
	if render.FitsCaption(text + strings.Repeat("я", 1024)) {
		t.Error("FitsCaption takes anything")
	}
}
