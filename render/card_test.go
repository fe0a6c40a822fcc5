package render_test

import (
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/golden"
	"mcu/render"
	"mcu/workflow"
)

func TestCardOverdueAndTriage(t *testing.T) {
	loc := time.UTC
	due := time.Date(2026, 3, 16, 23, 59, 59, 0, loc)
	a := &workflow.Appeal{
		ID: 7, Year: 2026, Seq: 7, Kind: workflow.KindMessage, Source: workflow.SourceBot,
		State: workflow.StateInProgress, Direction: "housing", ResidentID: 1, Text: "Яма", DueAt: due, Version: 3,
	}
	dirs := map[string]string{"housing": "ЖКХ"}
	text, markup := render.Card(render.CardView{Appeal: a, ChatDirection: "housing"}, dirs, loc, due.Add(49*time.Hour))
	if !strings.Contains(text, "Срок: 16.03.2026 — просрочено на 3 дн.") {
		t.Errorf("overdue card:\n%s", text)
	}
	if got := markup.InlineKeyboard[0][0]; got.Unique != "ask_resident" || got.Data != "7|3" {
		t.Errorf("first button %+v", got)
	}
	// Past the deadline it can no longer be extended (59-ФЗ art. 12
	// part 2); up to its last second it can.
	for now, want := range map[time.Time]bool{due.Add(49 * time.Hour): false, due.Add(time.Second): false, due: true} {
		_, markup := render.Card(render.CardView{Appeal: a, ChatDirection: "housing"}, dirs, loc, now)
		if got := hasButton(markup, "extend"); got != want {
			t.Errorf("at %s, «Продлить срок» offered %v, want %v", now, got, want)
		}
	}
	for _, row := range markup.InlineKeyboard {
		for _, b := range row {
			if data := "\f" + b.Unique + "|" + b.Data; len(data) > render.MaxCallbackBytes {
				t.Errorf("callback data %q over %d bytes", data, render.MaxCallbackBytes)
			}
		}
	}

	// In triage, the triage's buttons; elsewhere, where it went.
	a.State, a.Direction = workflow.StateRegistered, ""
	_, markup = render.Card(render.CardView{Appeal: a}, dirs, loc, due)
	var labels []string
	for _, row := range markup.InlineKeyboard {
		for _, b := range row {
			labels = append(labels, b.Text)
		}
	}
	if got := strings.Join(labels, ","); got != "Направить,Отклонить,Переадресовать" {
		t.Errorf("triage buttons: %s", got)
	}
	a.State, a.Direction = workflow.StateAssigned, "housing"
	text, markup = render.Card(render.CardView{Appeal: a}, dirs, loc, due)
	if !strings.HasSuffix(text, "Передано: ЖКХ") || len(markup.InlineKeyboard) != 0 {
		t.Errorf("a card left behind in triage:\n%s\n%v", text, markup.InlineKeyboard)
	}
}

// hasButton reports whether markup has a button whose callback is unique.
func hasButton(markup *tele.ReplyMarkup, unique string) bool {
	for _, row := range markup.InlineKeyboard {
		for _, b := range row {
			if b.Unique == unique {
				return true
			}
		}
	}
	return false
}

// view is a card as a person sees it: the text, then a line of buttons
// per row.
func view(text string, markup *tele.ReplyMarkup) string {
	var b strings.Builder
	b.WriteString(text)
	for _, row := range markup.InlineKeyboard {
		labels := make([]string, len(row))
		for i, btn := range row {
			labels[i] = btn.Text
		}
		b.WriteString("\n[" + strings.Join(labels, "] [") + "]")
	}
	return b.String() + "\n"
}

// TestCardGolden renders cards of appeals in the states a card shows and
// compares them with testdata/card/*.golden (go test ./render -update
// rewrites them).
func TestCardGolden(t *testing.T) {
	loc := time.FixedZone("MSK", 3*60*60)
	registered := time.Date(2026, 3, 2, 10, 0, 0, 0, loc)
	due := time.Date(2026, 3, 16, 23, 59, 59, 0, loc)
	now := registered.Add(2 * time.Hour)
	dirs := map[string]string{"housing": "ЖКХ", "economy": "Экономика и финансы"}
	base := func() *workflow.Appeal {
		return &workflow.Appeal{
			ID: 1, Year: 2026, Seq: 17, Kind: workflow.KindMessage, Source: workflow.SourceBot,
			State: workflow.StateAssigned, Direction: "housing", ResidentID: 5, ResidentUserID: 500,
			Text: "Протекает крыша над квартирой 12, дом 3 по ул. Ленина", Address: "ул. Ленина, 3",
			RegisteredAt: registered, DueAt: due, Version: 3, CreatedAt: registered,
		}
	}
	history := []workflow.CardEvent{
		{At: registered, Event: workflow.EventRegister, Actor: workflow.System()},
		{At: registered, Event: workflow.EventRoute, Actor: workflow.System(), Payload: workflow.Input{Direction: "housing"}},
	}
	taken := append(history[:2:2], workflow.CardEvent{At: registered.Add(time.Hour), Event: workflow.EventTake,
		Actor: workflow.Staff(700), Role: workflow.RoleExecutor, ActorName: "Иван"})
	cases := []struct {
		name string
		view func() render.CardView
		now  time.Time
	}{
		{"new", func() render.CardView {
			return render.CardView{Appeal: base(), ChatDirection: "housing", History: history}
		}, now},
		{"in_progress", func() render.CardView {
			a := base()
			a.State, a.ExecutorID, a.Version = workflow.StateInProgress, 700, 4
			return render.CardView{Appeal: a, ChatDirection: "housing", History: taken, ExecutorName: "Иван"}
		}, now},
		{"on_approval", func() render.CardView {
			a := base()
			a.State, a.ExecutorID, a.Draft, a.Version = workflow.StateOnApproval, 700, "Крышу отремонтируем до 20.03.2026.", 5
			return render.CardView{Appeal: a, ChatDirection: "housing", History: taken, ExecutorName: "Иван",
				DraftAttachments: []workflow.Attachment{{Kind: "photo", FileID: "f1"}}}
		}, now},
		{"overdue_extended", func() render.CardView {
			a := base()
			a.State, a.ExecutorID, a.Extended = workflow.StateInProgress, 700, true
			return render.CardView{Appeal: a, ChatDirection: "housing", ExecutorName: "Иван"}
		}, due.Add(49 * time.Hour)},
		{"answered", func() render.CardView {
			a := base()
			a.State, a.ExecutorID = workflow.StateAnswered, 700
			a.Draft, a.Answer, a.AnsweredAt = "Крышу отремонтировали.", "Крышу отремонтировали.", now
			return render.CardView{Appeal: a, ChatDirection: "housing", ExecutorName: "Иван"}
		}, now},
		{"triage_other_channel", func() render.CardView {
			a := base()
			a.Kind, a.Source, a.Direction, a.State, a.ResidentID = workflow.KindAppeal59, workflow.SourcePhone, "", workflow.StateRegistered, 0
			return render.CardView{Appeal: a, ContactName: "Петров П. П.", Contact: "+7 900 000-00-00"}
		}, now},
		{"received_late", func() render.CardView {
			a := base()
			a.Kind, a.Source, a.ResidentID = workflow.KindAppeal59, workflow.SourceEmail, 0
			a.ReceivedAt = registered.AddDate(0, 0, -5) // 25.02, registered 02.03
			return render.CardView{Appeal: a, ChatDirection: "housing", ContactName: "Петров П. П."}
		}, now},
		{"received_in_time", func() render.CardView {
			a := base()
			a.Kind, a.Source, a.ResidentID = workflow.KindAppeal59, workflow.SourceEmail, 0
			a.ReceivedAt = registered.AddDate(0, 0, -3)
			return render.CardView{Appeal: a, ChatDirection: "housing", ContactName: "Петров П. П."}
		}, now},
		{"left_for_another_direction", func() render.CardView {
			a := base()
			a.Direction = "economy"
			return render.CardView{Appeal: a, ChatDirection: "housing"}
		}, now},
		{"similar", func() render.CardView {
			return render.CardView{Appeal: base(), ChatDirection: "housing", History: history,
				Similar: render.Similar{Number: "2026-000123", Address: "ул. Ленина, 5", Count: 12}}
		}, now},
		{"similar_one_on_the_map", func() render.CardView {
			return render.CardView{Appeal: base(), ChatDirection: "housing",
				Similar: render.Similar{Number: "2026-000123", Count: 1}}
		}, now},
		{"long_text", func() render.CardView {
			a := base()
			a.Text = strings.Repeat("Очень длинное описание проблемы. ", 60)
			return render.CardView{Appeal: a, ChatDirection: "housing"}
		}, now},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, markup := render.Card(c.view(), dirs, loc, c.now)
			golden.Check(t, "card/"+c.name+".golden", view(text, markup))
		})
	}
}
