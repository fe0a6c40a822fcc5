package render_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mcu/render"
	"mcu/workflow"
)

// TestIncidentCard: the card names the first addresses and numbers and
// counts the rest; its buttons follow its state.
func TestIncidentCard(t *testing.T) {
	loc := time.UTC
	inc := &workflow.Incident{ID: 4, Direction: "housing", Title: "Нет отопления, ул. Ленина 1–15",
		ExpectedAt: time.Date(2026, 3, 3, 18, 0, 0, 0, loc), State: workflow.IncidentOpen, Version: 7}
	v := render.IncidentCardView{Incident: inc}
	for i := range 12 {
		v.Appeals = append(v.Appeals, render.IncidentAppeal{Number: fmt.Sprintf("2026-%06d", i+1), Address: fmt.Sprintf("ул. Ленина, %d", i%8+1)})
	}
	text, markup := render.IncidentCard(v, map[string]string{"housing": "ЖКХ"}, loc)
	for _, want := range []string{
		"Инцидент «Нет отопления, ул. Ленина 1–15»\nНаправление: ЖКХ\nСтатус: в работе\nОжидаемый срок: 03.03.2026 18:00\nОбращений: 12\n",
		"Адреса: ул. Ленина, 1; ул. Ленина, 2; ул. Ленина, 3; ул. Ленина, 4; ул. Ленина, 5 и ещё 3\n",
		"; № 2026-000010 и ещё 2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
	if got := markup.InlineKeyboard[0]; len(got) != 2 || got[0].Unique != render.UniqueIncidentDraft || got[0].Data != "4|7" {
		t.Errorf("open incident's buttons %+v", markup.InlineKeyboard)
	}
	inc.State, inc.Draft = workflow.IncidentOnApproval, "Отопление дали."
	text, markup = render.IncidentCard(v, nil, loc)
	if !strings.Contains(text, "Проект ответа:\nОтопление дали.") || markup.InlineKeyboard[0][0].Unique != render.UniqueIncidentApprove {
		t.Errorf("on approval:\n%s\n%+v", text, markup.InlineKeyboard)
	}
	inc.State, inc.Answer, inc.ExpectedAt = workflow.IncidentAnswered, "Отопление дали.", time.Time{}
	text, markup = render.IncidentCard(v, nil, loc)
	if !strings.Contains(text, "Ожидаемый срок: не указан") || !strings.Contains(text, "Ответ:\nОтопление дали.") || len(markup.InlineKeyboard) != 0 {
		t.Errorf("answered:\n%s\n%+v", text, markup.InlineKeyboard)
	}
}

// TestJoinedCardCollapses: an appeal's card joined to an incident is one
// line with «Отделить» while the appeal is open.
func TestJoinedCardCollapses(t *testing.T) {
	a := &workflow.Appeal{ID: 9, Year: 2026, Seq: 123, Kind: workflow.KindMessage, State: workflow.StateInProgress,
		Direction: "housing", Text: "Холодно", Address: "ул. Ленина, 5", IncidentID: 4, Version: 5}
	inc := &workflow.Incident{ID: 4, Title: "Нет отопления…"}
	text, markup := render.Card(render.CardView{Appeal: a, ChatDirection: "housing", Incident: inc}, nil, time.UTC, time.Now())
	if text != "№ 2026-000123 — в инциденте «Нет отопления…»\nАдрес: ул. Ленина, 5" {
		t.Errorf("collapsed card %q", text)
	}
	if len(markup.InlineKeyboard) != 1 || markup.InlineKeyboard[0][0].Unique != render.UniqueIncidentLeave || markup.InlineKeyboard[0][0].Data != "9|5" {
		t.Errorf("collapsed card buttons %+v", markup.InlineKeyboard)
	}
	a.State = workflow.StateAnswered
	text, markup = render.Card(render.CardView{Appeal: a, ChatDirection: "housing", Incident: inc}, nil, time.UTC, time.Now())
	if !strings.HasSuffix(text, "Статус: дан ответ") || len(markup.InlineKeyboard) != 0 {
		t.Errorf("answered collapsed card %q %+v", text, markup.InlineKeyboard)
	}
}
