package bot_test

import (
	"context"
	"testing"
	"time"

	"mcu/control"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/render"
	"mcu/workflow"
)

// TestRatingReminderRates: 3 days after an answer she did not rate,
// Алиса gets the reminder (the control job, through the dispatcher) with
// the 1–5 row; pressing 4 rates the answer as the row under the answer
// does, and the job then closes nothing.
func TestRatingReminderRates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	a := h.submitFor(team.alice, "housing", "Не вывозят мусор во дворе дома 5")
	ctx := context.Background()
	for _, c := range []workflow.Command{
		{Event: workflow.EventTake, Actor: workflow.Staff(team.ivan.ID)},
		{Event: workflow.EventSubmitDraft, Actor: workflow.Staff(team.ivan.ID), Input: workflow.Input{Text: "Мусор вывезен."}},
		{Event: workflow.EventApprove, Actor: workflow.Staff(team.olga.ID)},
	} {
		c.AppealID = a.ID
		if _, err := h.svc.Apply(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	answer := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.alice.ID), telegramtest.Contains("Мусор вывезен.")))

	ctl := control.New(control.Options{
		Store: h.db, Service: h.svc, Calendar: workflow.NewCalendar(nil, nil), Location: moscow, Now: h.clock,
		Logger: dbtest.Logger(t),
	})
	h.advance(3 * 24 * time.Hour)
	if err := ctl.Ratings(ctx, h.clock(), false); err != nil {
		t.Fatal(err)
	}
	reminder := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.alice.ID), telegramtest.After(answer),
		telegramtest.Contains("вы получили ответ на сообщение № "+a.Number())))
	if got := h.answer(h.srv.MustPress(t, team.alice, reminder, "4")); got != render.TextRated {
		t.Errorf("pressed 4 under the reminder: %q, want %q", got, render.TextRated)
	}
	if got := h.appeal(a.ID); got.Rating != 4 {
		t.Fatalf("rating %d after pressing 4, want 4", got.Rating)
	}
	h.advance(5 * 24 * time.Hour)
	if err := ctl.Ratings(ctx, h.clock(), false); err != nil {
		t.Fatal(err)
	}
	if got := h.appeal(a.ID); got.State != workflow.StateAnswered {
		t.Errorf("a rated answer is %s after 8 days, want answered", got.State)
	}
}
