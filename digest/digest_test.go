package digest_test

import (
	"bytes"
	"context"
	"flag"
	"html"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/control"
	"mcu/digest"
	"mcu/internal/dbtest"
	"mcu/internal/golden"
	"mcu/internal/readmetest"
	"mcu/render"
	"mcu/storage"
	"mcu/workflow"
)

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// Actors of the seeded district.
const (
	residentUser = 1001 // writes every message
	staffUser    = 2001 // admin, operator, curator and executor of every direction
)

// district is a fresh database whose appeals are lived through the real
// workflow at an injected clock, with deadline control's escalating jobs
// (Deadlines, Redirects) run at 08:00 every day, their first slot of the
// day (when whatever falls due that day is escalated): what the digest
// counts is what the bot and control write.
type district struct {
	t        *testing.T
	ctx      context.Context
	db       *storage.DB
	svc      *workflow.Service
	ctl      *control.Control
	now      time.Time
	ran      time.Time // the last slot control ran
	resident int64     // residents.id
}

func newDistrict(t *testing.T) *district {
	t.Helper()
	d := &district{t: t, ctx: context.Background(), db: dbtest.New(t)}
	cal, clock := workflow.NewCalendar(nil, nil), func() time.Time { return d.now }
	d.svc = &workflow.Service{Store: d.db, Calendar: cal, Location: moscow, Now: clock, Logger: dbtest.Logger(t)}
	d.ctl = control.New(control.Options{Store: d.db, Service: d.svc, Calendar: cal, Location: moscow, Now: clock,
		Logger: dbtest.Logger(t)})
	err := d.db.Pool().QueryRow(d.ctx, `INSERT INTO residents (telegram_user_id, chat_id, consent_at)
		VALUES ($1, $1, now()) RETURNING id`, residentUser).Scan(&d.resident)
	if err != nil {
		t.Fatal(err)
	}
	grants := []workflow.Grant{{Role: workflow.RoleAdmin}, {Role: workflow.RoleOperator}}
	for _, dir := range []string{"politics", "social", "housing", "economy", "property"} {
		grants = append(grants, workflow.Grant{Role: workflow.RoleCurator, Direction: dir},
			workflow.Grant{Role: workflow.RoleExecutor, Direction: dir})
	}
	for _, g := range grants {
		if err := d.db.GrantRole(d.ctx, staffUser, "Сотрудник", g, 0); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// at is a moment of 2026 in Moscow.
func at(m time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, m, day, hour, minute, 0, 0, moscow)
}

// clock moves the clock to when, running deadline control's Deadlines
// and Redirects at every 08:00 on the way (when included).
func (d *district) clock(when time.Time) {
	d.t.Helper()
	if d.ran.IsZero() {
		y, m, day := when.Date()
		d.ran = time.Date(y, m, day-1, 8, 0, 0, 0, moscow)
	}
	for slot := d.ran.AddDate(0, 0, 1); !slot.After(when); slot = slot.AddDate(0, 0, 1) {
		d.now = slot
		for _, job := range []func(context.Context, time.Time, bool) error{d.ctl.Deadlines, d.ctl.Redirects} {
			if err := job(d.ctx, slot, false); err != nil {
				d.t.Fatalf("control at %v: %v", slot, err)
			}
		}
		d.ran = slot
	}
	d.now = when
}

// message is a resident's message to direction ("" for triage),
// submitted at when.
func (d *district) message(when time.Time, direction string) *workflow.Appeal {
	d.t.Helper()
	d.clock(when)
	a, err := d.svc.Submit(d.ctx, workflow.Resident(residentUser), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: direction,
		ResidentID: d.resident, Text: "Во дворе дома 5 не вывозят мусор",
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return a
}

// appeal59 is a formal appeal from the feedback platform, registered by
// an operator at when: due 30 calendar days later.
func (d *district) appeal59(when time.Time, direction string) *workflow.Appeal {
	d.t.Helper()
	d.clock(when)
	a, err := d.svc.Submit(d.ctx, workflow.Staff(staffUser), workflow.NewAppeal{
		Kind: workflow.KindAppeal59, Source: workflow.SourcePOS, Direction: direction,
		Text: "Прошу отремонтировать дорогу", ContactName: "Петров",
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return a
}

// fire fires ev on a at when, as staff or, for the resident's events, as
// the resident.
func (d *district) fire(a *workflow.Appeal, when time.Time, ev workflow.Event, in workflow.Input) {
	d.t.Helper()
	d.clock(when)
	actor := workflow.Staff(staffUser)
	switch ev {
	case workflow.EventRate, workflow.EventReopen, workflow.EventClose, workflow.EventWithdraw:
		actor = workflow.Resident(residentUser)
	}
	if _, err := d.svc.Apply(d.ctx, workflow.Command{AppealID: a.ID, Event: ev, Actor: actor, Input: in}); err != nil {
		d.t.Fatalf("%s %s at %v: %v", ev, a.Number(), when, err)
	}
}

// answer takes a (two hours before when), drafts (an hour before) and
// approves the answer at when.
func (d *district) answer(a *workflow.Appeal, when time.Time) {
	d.t.Helper()
	d.fire(a, when.Add(-2*time.Hour), workflow.EventTake, workflow.Input{})
	d.fire(a, when.Add(-time.Hour), workflow.EventSubmitDraft, workflow.Input{Text: "Мусор вывезли."})
	d.fire(a, when, workflow.EventApprove, workflow.Input{})
}

// rate rates the answer at when, then closes the appeal («Да») or
// reopens it («Нет», «Частично»).
func (d *district) rate(a *workflow.Appeal, when time.Time, rating int, solved string) {
	d.t.Helper()
	d.fire(a, when, workflow.EventRate, workflow.Input{Rating: rating})
	if solved == workflow.SolvedYes {
		d.fire(a, when.Add(time.Minute), workflow.EventClose, workflow.Input{})
		return
	}
	d.fire(a, when.Add(time.Minute), workflow.EventReopen, workflow.Input{Solved: solved})
}

// seed lives the district's appeals from January to the digest of
// Tuesday 17 March 2026, 09:00. Registration numbers follow the order
// below; the comments give each appeal's deadline (10 working days for a
// message, 30 days for appeal59; 9 March 2026 is a day off), when
// deadline control escalated it (at 08:00 on its last day; an appeal59
// left in triage also on day 7 after registration) and where it stands
// at the digest.
func (d *district) seed() {
	a1 := d.message(at(1, 19, 10, 0), "housing") // 000001, due 2 Feb
	d.answer(a1, at(1, 29, 11, 0))               // previous period: 8 working days, on time
	d.rate(a1, at(1, 29, 12, 0), 5, workflow.SolvedYes)

	a2 := d.message(at(1, 20, 10, 0), "economy") // 000002, due 3 Feb
	d.answer(a2, at(2, 4, 10, 0))                // escalated 3 Feb; previous period: 11 working days, late
	d.rate(a2, at(2, 4, 11, 0), 2, workflow.SolvedNo)
	d.answer(a2, at(2, 16, 10, 0)) // current period: 19 working days, late
	d.rate(a2, at(2, 16, 11, 0), 4, workflow.SolvedYes)

	a3 := d.appeal59(at(2, 3, 10, 0), "property") // 000003, due Thu 5 March (escalated): 12 days late
	_ = a3

	a4 := d.message(at(2, 16, 10, 0), "politics") // 000004, due 3 March
	d.answer(a4, at(2, 27, 15, 0))                // 8 working days, on time
	d.rate(a4, at(2, 27, 16, 0), 4, workflow.SolvedYes)

	a5 := d.message(at(2, 24, 10, 0), "housing") // 000005, due 11 March (escalated): 6 days late
	d.fire(a5, at(2, 25, 10, 0), workflow.EventTake, workflow.Input{})
	d.message(at(2, 25, 10, 0), "housing")       // 000006, due 12 March (escalated): 5 days late
	a7 := d.message(at(2, 26, 10, 0), "economy") // 000007, due 13 March (escalated): 4 days late
	d.fire(a7, at(2, 27, 10, 0), workflow.EventTake, workflow.Input{})
	d.fire(a7, at(2, 27, 11, 0), workflow.EventSubmitDraft, workflow.Input{Text: "Проект"})
	// Escalated on 16 March at 08:00, an hour before the previous digest:
	d.message(at(2, 27, 10, 0), "")         // 000008, triage, due 16 March: 1 day late
	d.message(at(2, 27, 11, 0), "politics") // 000009, due 16 March: 1 day late (listed after 000008)

	// Due 17 March, open, so escalated at 08:00 that day, since the
	// previous digest:
	a10 := d.message(at(3, 2, 10, 0), "social") // 000010, due 17 March: due soon
	d.answer(a10, at(3, 4, 12, 0))              // 2 working days, on time
	d.rate(a10, at(3, 4, 13, 0), 3, workflow.SolvedPartly)
	a11 := d.message(at(3, 2, 10, 30), "politics") // 000011, due 17 March: due soon
	d.fire(a11, at(3, 3, 10, 0), workflow.EventTake, workflow.Input{})
	d.message(at(3, 4, 10, 0), "economy") // 000012, due 19 March: due soon
	d.message(at(3, 5, 10, 0), "economy") // 000013, due 20 March: not soon

	a14 := d.message(at(3, 10, 10, 0), "housing") // 000014, due 24 March
	d.answer(a14, at(3, 16, 14, 0))               // since the last digest: 4 working days, on time
	d.rate(a14, at(3, 16, 15, 0), 5, workflow.SolvedYes)
	// 000015, due 9 April, left in triage: reminded on 15 March (day 5),
	// escalated on 17 March at 08:00 (day 7), since the previous digest.
	d.appeal59(at(3, 10, 11, 0), "")

	d.message(at(3, 16, 11, 0), "social")         // 000016, new
	a17 := d.message(at(3, 16, 12, 0), "housing") // 000017, new, withdrawn
	d.fire(a17, at(3, 16, 13, 0), workflow.EventWithdraw, workflow.Input{})
	d.message(at(3, 17, 8, 30), "") // 000018, new in triage

	// Two incidents in housing since the previous digest: one answered
	// (000019 and 000020 answered by it, on the day of registration, on
	// time), one still open (000021, 000022). All four are new.
	a19 := d.message(at(3, 17, 8, 31), "housing")
	a20 := d.message(at(3, 17, 8, 32), "housing")
	answered := d.incident(at(3, 17, 8, 33), a19, a20)
	d.clock(at(3, 17, 8, 40))
	if _, err := d.svc.SubmitIncidentDraft(d.ctx, workflow.Staff(staffUser), answered.ID, "Отопление дали.", nil); err != nil {
		d.t.Fatal(err)
	}
	d.clock(at(3, 17, 8, 45))
	if _, _, err := d.svc.ApproveIncident(d.ctx, workflow.Staff(staffUser), answered.ID, 0); err != nil {
		d.t.Fatal(err)
	}
	a21 := d.message(at(3, 17, 8, 50), "housing")
	a22 := d.message(at(3, 17, 8, 51), "housing")
	d.incident(at(3, 17, 8, 52), a21, a22)
}

// incident makes an incident of appeals at when, with no term.
func (d *district) incident(when time.Time, appeals ...*workflow.Appeal) *workflow.Incident {
	d.t.Helper()
	d.clock(when)
	refs := make([]workflow.AppealRef, len(appeals))
	for i, a := range appeals {
		refs[i] = workflow.AppealRef{ID: a.ID, Version: a.Version}
	}
	inc, err := d.svc.MakeIncident(d.ctx, workflow.Staff(staffUser), "Нет отопления, ул. Ленина 1–15", time.Time{}, refs)
	if err != nil {
		d.t.Fatal(err)
	}
	return inc
}

// TestDigestGolden builds the digest of a seeded district at a fixed
// clock, checks every figure against a count by hand, and compares the
// text and its buttons with testdata/digest.golden and docs/digest.md's copy
// (go test ./digest -update -update-readme rewrites them, and
// docs/digest-chart.png).
func TestDigestGolden(t *testing.T) {
	t.Parallel()
	d := newDistrict(t)
	d.seed()
	now, since := at(3, 17, 9, 0), at(3, 16, 9, 0)
	d.clock(now)
	b := &digest.Builder{Store: d.db, Calendar: workflow.NewCalendar(nil, nil), Location: moscow}
	got, err := b.Build(d.ctx, since, now)
	if err != nil {
		t.Fatal(err)
	}
	due := func(m time.Month, day int) time.Time { return workflow.EndOfDay(at(m, day, 0, 0)) }
	want := digest.Digest{
		Since: since, Now: now,
		Directions: []workflow.DirectionFigures{
			{Code: "politics", Name: "Внутренняя политика", Open: 2, Overdue: 1}, // 000009, 000011
			{Code: "social", Name: "Безопасность, социальная политика, образование, культура и спорт", // 000010, 000016
				New: 1, Open: 2},
			{Code: "housing", Name: "ЖКХ", New: 5, Open: 4, Overdue: 2},         // 000005, 000006, 000021, 000022; 000017 withdrawn
			{Code: "economy", Name: "Экономика и финансы", Open: 3, Overdue: 1}, // 000007, 000012, 000013
			{Code: "property", Name: "Имущество, земельные ресурсы, жилищный контроль, архитектура", // 000003
				Open: 1, Overdue: 1},
			{Code: "", New: 1, Open: 3, Overdue: 1}, // 000008, 000015, 000018
		},
		New: 7, Open: 15, Overdue: 6,
		Worst: []workflow.OverdueAppeal{
			{ID: 3, Number: "2026-000003", Direction: "property", DueAt: due(3, 5), DaysLate: 12},
			{ID: 5, Number: "2026-000005", Direction: "housing", DueAt: due(3, 11), DaysLate: 6},
			{ID: 6, Number: "2026-000006", Direction: "housing", DueAt: due(3, 12), DaysLate: 5},
			{ID: 7, Number: "2026-000007", Direction: "economy", DueAt: due(3, 13), DaysLate: 4},
			{ID: 8, Number: "2026-000008", Direction: "", DueAt: due(3, 16), DaysLate: 1},
		},
		DueSoon: 3, DueBy: due(3, 19), // 000010, 000011, 000012
		Answered: 3, Closed: 1, // 000014; 000019 and 000020 by their incident
		Incidents: workflow.IncidentFigures{Open: 1, Appeals: 2, Made: 2, Answered: 1},
		// At 08:00 on 17 March: 000010 and 000011 on their last day,
		// 000015 on day 7 in triage; 000008 and 000009 were escalated an
		// hour before the previous digest.
		Escalated: 3,
		Escalations: []workflow.EscalatedAppeal{
			{ID: 10, Number: "2026-000010", Direction: "social", SentAt: at(3, 17, 8, 0)},
			{ID: 11, Number: "2026-000011", Direction: "politics", SentAt: at(3, 17, 8, 0)},
			{ID: 15, Number: "2026-000015", Direction: "", Redirect: true, SentAt: at(3, 17, 8, 0)},
		},
		// Current: 19 + 8 + 2 + 4 + 0 + 0 = 33 working days in 6 answers
		// (the incident's two on the day of registration), 5.5; previous:
		// (8 + 11) / 2 = 9.5.
		AnswerTime: workflow.Indicator{Value: 5.5, Known: true, Previous: 9.5, PreviousKnown: true, Target: 8, LowerIsBetter: true},
		// 5 of 6 on time (not 000002), 83.3 shown as 83; before, 1 of 2.
		OnTime: workflow.Indicator{Value: 83, Known: true, Previous: 50, PreviousKnown: true, Target: 100},
		// Ratings 4, 4, 3, 5; before, 5 and 2.
		GoodRatings: workflow.Indicator{Value: 75, Known: true, Previous: 50, PreviousKnown: true, Target: 60},
		// 000010 reopened, of 6 answers: 16.7 shown as 17; before, 000002 of 2.
		Reopens: workflow.Indicator{Value: 17, Known: true, Previous: 50, PreviousKnown: true, LowerIsBetter: true},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("figures differ from the hand count (-want +got):\n%s", diff)
	}
	// The escalations deadline control recorded over the whole time: the
	// digest's are those of the window.
	all, err := d.db.FindEscalations(d.ctx, at(1, 1, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	var escalated []string
	for _, e := range all {
		escalated = append(escalated, e.SentAt.In(moscow).Format("02.01 15:04 ")+e.Number+" "+e.Threshold)
	}
	wantAll := []string{
		"03.02 08:00 2026-000002 escalate", "05.03 08:00 2026-000003 escalate", "11.03 08:00 2026-000005 escalate",
		"12.03 08:00 2026-000006 escalate", "13.03 08:00 2026-000007 escalate", "16.03 08:00 2026-000008 escalate",
		"16.03 08:00 2026-000009 escalate", "17.03 08:00 2026-000010 escalate", "17.03 08:00 2026-000011 escalate",
		"17.03 08:00 2026-000015 redirect_escalate",
	}
	if diff := cmp.Diff(wantAll, escalated); diff != "" {
		t.Errorf("escalations recorded by deadline control (-want +got):\n%s", diff)
	}

	msg, err := b.Compose(d.ctx, since, now)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "digest.golden", view(msg))
	readmetest.CheckBlock(t, "../docs/digest.md", "digest", "text", view(msg))
	checkChart(t, msg.Chart)
	writeScreenshotPage(t, msg)
	if !render.FitsCaption(msg.Text) {
		t.Errorf("the digest does not fit a photo's caption:\n%s", msg.Text)
	}
	// Sent late, it still goes as one message: the chart, the text as its
	// caption, the buttons.
	late := render.DigestLateNote(now, moscow)
	if p := msg.Prepared(late); p.File == nil || p.File.Caption != late+"\n"+msg.Text || p.Text != "" || len(p.Buttons) != 3 {
		t.Errorf("the late digest is not the chart with its text as the caption: %+v", p)
	}
	for _, row := range msg.Markup.InlineKeyboard {
		for _, btn := range row {
			if data := "\f" + btn.Unique + "|" + btn.Data; len(data) > render.MaxCallbackBytes {
				t.Errorf("callback data %q is over %d bytes", data, render.MaxCallbackBytes)
			}
		}
	}
}

// checkChart checks that the chart is a PNG of the chart's size and, with
// -update, writes it to docs/digest-chart.png (docs/digest.md shows it).
func checkChart(t *testing.T, chart []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(chart))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != render.ChartWidth || b.Dy() != render.ChartHeight {
		t.Errorf("the chart is %v, want %d×%d", b, render.ChartWidth, render.ChartHeight)
	}
	const docs = "../docs/digest-chart.png"
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(docs, chart, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(docs); err != nil {
		t.Errorf("%v (go test ./digest -update writes it)", err)
	}
}

// writeScreenshotPage writes docs/digest-message.html: the digest as a
// Telegram chat shows it on a phone (the chart, the digest as its caption,
// the buttons), for the screenshot in docs/digest-screenshot.png:
//
//	chromium --headless --hide-scrollbars --window-size=430,1100 \
//	  --screenshot=docs/digest-screenshot.png docs/digest-message.html
func writeScreenshotPage(t *testing.T, m digest.Message) {
	t.Helper()
	var buttons strings.Builder
	for _, row := range m.Markup.InlineKeyboard {
		buttons.WriteString(`<div class="row">`)
		for _, b := range row {
			buttons.WriteString(`<span class="btn">` + html.EscapeString(b.Text) + `</span>`)
		}
		buttons.WriteString("</div>\n")
	}
	page := `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Сводка главы</title>
<style>
body { margin: 0; background: #8fb08a; font: 15px/1.35 -apple-system, "Segoe UI", Roboto, sans-serif; }
.top { background: #517da2; color: #fff; padding: 12px 16px; font-weight: 600; }
.top small { display: block; font-weight: 400; opacity: .8; }
.chat { padding: 10px 8px; }
.msg { background: #fff; border-radius: 12px; overflow: hidden; max-width: 400px; box-shadow: 0 1px 1px rgba(0,0,0,.2); }
.msg img { width: 100%; display: block; }
.caption { padding: 8px 10px; white-space: pre-wrap; }
.time { text-align: right; color: #8a9aa8; font-size: 12px; padding: 0 10px 6px; }
.row { display: flex; gap: 4px; margin-top: 4px; max-width: 400px; }
.btn { flex: 1; text-align: center; background: rgba(0,0,0,.25); color: #fff; border-radius: 8px; padding: 8px 0; font-weight: 500; }
</style></head><body>
<div class="top">МЦУ — бот<small>сводка главы администрации</small></div>
<div class="chat"><div class="msg"><img src="digest-chart.png" alt="график">
<div class="caption">` + html.EscapeString(m.Text) + `</div><div class="time">09:00</div></div>
` + buttons.String() + `</div></body></html>
`
	const path = "../docs/digest-message.html"
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// view is a digest as a person sees it: the text, then a line of buttons
// per row.
func view(m digest.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, row := range m.Markup.InlineKeyboard {
		labels := make([]string, len(row))
		for i, btn := range row {
			labels[i] = btn.Text
		}
		b.WriteString("\n[" + strings.Join(labels, "] [") + "]")
	}
	return b.String() + "\n"
}
