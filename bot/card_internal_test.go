package bot

import (
	"strings"
	"testing"
	"time"

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
