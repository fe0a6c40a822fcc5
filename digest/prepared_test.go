package digest_test

import (
	"testing"
	"time"

	"mcu/digest"
	"mcu/render"
	"mcu/workflow"
)

// TestPreparedBusiestFollowsChart: the busiest digest of the decree's
// directions — every direction new, a direction no longer active,
// triage, five late appeals, five escalated appeals of 59-ФЗ left in
// triage (the longest line), every figure moved — is too long for a
// photo's caption, late or not: the chart goes with its own caption, then
// the whole text with every button under it.
func TestPreparedBusiestFollowsChart(t *testing.T) {
	now := time.Date(2026, 12, 17, 9, 0, 0, 0, moscow)
	dirs := []workflow.DirectionFigures{
		{Code: "politics", Name: "Внутренняя политика"},
		{Code: "social", Name: "Безопасность, социальная политика, образование, культура и спорт"},
		{Code: "housing", Name: "ЖКХ"},
		{Code: "economy", Name: "Экономика и финансы"},
		{Code: "property", Name: "Имущество, земельные ресурсы, жилищный контроль, архитектура"},
		{Code: "transport", Name: "transport"},
		{},
	}
	for i := range dirs {
		dirs[i].New, dirs[i].Open, dirs[i].Overdue = 1234, 12345, 1234
	}
	ind := func(v, prev, target float64, lower bool) workflow.Indicator {
		return workflow.Indicator{Value: v, Previous: prev, Known: true, PreviousKnown: true, Target: target, LowerIsBetter: lower}
	}
	d := workflow.Digest{
		Since: now.Add(-24 * time.Hour), Now: now, DueBy: now, Directions: dirs,
		New: 12345, Open: 123456, Overdue: 12345, DueSoon: 12345, Answered: 12345, Closed: 12345, Escalated: 12345,
		AnswerTime: ind(12.3, 11.2, 8, true), OnTime: ind(99, 100, 100, false),
		GoodRatings: ind(59, 61, 60, false), Reopens: ind(100, 99, 0, true),
	}
	for i := range 5 {
		d.Worst = append(d.Worst, workflow.OverdueAppeal{Number: workflow.FormatNumber(2026, 123450+i),
			Direction: "politics", DaysLate: 365 + i})
		d.Escalations = append(d.Escalations, workflow.EscalatedAppeal{Number: workflow.FormatNumber(2026, 123460+i),
			Redirect: true, SentAt: now.Add(-time.Hour)})
	}
	text, markup := render.Digest(d, moscow)
	chart, err := render.DigestChart(d)
	if err != nil {
		t.Fatal(err)
	}
	if render.FitsCaption(text) {
		t.Fatalf("the busiest digest with five escalations fits a caption now (%d characters): "+
			"say so in docs/digest.md and test that it goes as one message", len([]rune(text)))
	}
	msg := digest.Message{Text: text, Markup: markup, Chart: chart}
	for _, note := range []string{"", render.DigestLateNote(now, moscow)} {
		p := msg.Prepared(note)
		want := text
		if note != "" {
			want = note + "\n" + text
		}
		if p.File == nil || p.File.Caption != render.DigestChartCaption || len(p.File.Data) != len(chart) {
			t.Errorf("note %q: the chart is not sent first with its own caption: %+v", note, p.File)
		}
		if p.Text != want {
			t.Errorf("note %q: the text after the chart is %q, want the whole digest", note, p.Text)
		}
		buttons := 0
		for _, row := range p.Buttons {
			buttons += len(row)
		}
		if buttons != 10 {
			t.Errorf("note %q: %d buttons, want 5 overdue and 5 escalated", note, buttons)
		}
	}
}
