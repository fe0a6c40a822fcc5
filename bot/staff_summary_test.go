package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"mcu/control"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// TestSummaryNumberRepostsTheCard: the morning summary (the control job,
// through the dispatcher) lists an appeal nobody took; its number,
// pressed by the direction's executor, sends the card anew at the bottom
// of the chat, and the new card is the one kept up to date. A curator of
// another direction is refused and nothing changes; an operator may
// press; in the triage chat, which does not hold this appeal's card, the
// press re-posts nothing.
func TestSummaryNumberRepostsTheCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	triage := h.srv.NewGroup("Операторы")
	h.bind(triage, 0, "triage")
	sergei, olivia := h.srv.NewUser("Сергей"), h.srv.NewUser("Оливия")
	h.grant(sergei, workflow.RoleCurator, "social")
	h.grant(olivia, workflow.RoleOperator, "")
	a := h.submitFor(team.alice, "housing", "Не вывозят мусор во дворе дома 5")
	old := h.cardIn(team.housing.ID, a.Number())

	ctl := control.New(control.Options{
		Store: h.db, Service: h.svc, Calendar: workflow.NewCalendar(nil, nil), Location: moscow, Now: h.clock,
		Logger: dbtest.Logger(t),
	})
	slot := time.Date(2026, 3, 2, 8, 0, 0, 0, moscow)
	if err := ctl.Summary(context.Background(), slot, false); err != nil {
		t.Fatal(err)
	}
	summary := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.housing.ID),
		telegramtest.Contains("Сводка на 02.03.2026 · ЖКХ"), telegramtest.Contains("Никто не взял в работу — 1:")))

	before := h.snapshot()
	if got := h.answer(h.srv.MustPress(t, sergei, summary, a.Number())); got != render.TextForbidden {
		t.Errorf("a curator of social pressed the number: %q, want %q", got, render.TextForbidden)
	}
	if after := h.snapshot(); after != before {
		t.Errorf("a refused press changed something: %s → %s", before, after)
	}

	if got := h.answer(h.srv.MustPress(t, team.ivan, summary, a.Number())); got != render.TextCardBelow {
		t.Errorf("the executor pressed the number: %q, want %q", got, render.TextCardBelow)
	}
	fresh := h.cardIn(team.housing.ID, a.Number(), telegramtest.After(summary))
	if fresh.ReplyToMessage != nil {
		t.Errorf("the new card replies to %d; the appeal has no photos", fresh.ReplyToMessage.MessageID)
	}
	if _, err := h.svc.Apply(context.Background(), workflow.Command{AppealID: a.ID, Event: workflow.EventTake, Actor: workflow.Staff(team.ivan.ID)}); err != nil {
		t.Fatal(err)
	}
	h.srv.MustWaitMessage(t, telegramtest.All(func(m telegramtest.Message) bool { return m.MessageID == fresh.MessageID },
		telegramtest.SentTo(team.housing.ID), telegramtest.Contains("Статус: в работе")))
	if got := h.srv.MustMessage(t, team.housing.ID, old.MessageID).Content(); !strings.Contains(got, "Статус: передано исполнителю") {
		t.Errorf("the old card was edited:\n%s", got)
	}

	if got := h.answer(h.srv.MustPress(t, olivia, summary, a.Number())); got != render.TextCardBelow {
		t.Errorf("an operator pressed the number: %q, want %q", got, render.TextCardBelow)
	}
	h.cardIn(team.housing.ID, a.Number(), telegramtest.After(fresh))

	if _, err := h.db.EnqueuePrepared(context.Background(), outbox.Recipient{Purpose: workflow.BindTriage}, outbox.Prepared{
		Text: "Напоминание", Buttons: [][]outbox.Button{{{Text: render.BtnShowCard, Unique: render.UniqueShowCard, Data: strconv.FormatInt(a.ID, 10)}}},
	}); err != nil {
		t.Fatal(err)
	}
	reminder := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(triage.ID), telegramtest.Contains("Напоминание")))
	before = h.snapshot()
	if got := h.answer(h.srv.MustPress(t, olivia, reminder, render.BtnShowCard)); got != render.TextCardNotHere {
		t.Errorf("pressed in triage for an appeal of housing: %q, want %q", got, render.TextCardNotHere)
	}
	if after := h.snapshot(); after != before {
		t.Errorf("a press in the wrong chat changed something: %s → %s", before, after)
	}
}
