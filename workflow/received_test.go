package workflow_test

import (
	"context"
	"testing"
	"time"

	"mcu/workflow"
)

// TestReceivedAtOfOtherChannels: an operator registering a letter gives the
// day it was received, which is stored and read back; a day in the future
// and a resident's message with one are refused.
func TestReceivedAtOfOtherChannels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	letter := workflow.NewAppeal{
		Kind: workflow.KindAppeal59, Source: workflow.SourceEmail, Direction: "housing",
		Text: "Прошу отремонтировать крышу дома 7", ContactName: "Иванов И. И.", Contact: "ул. Ленина, 7",
		ReceivedAt: f.now.AddDate(0, 0, -5),
	}
	a, err := f.svc.Submit(ctx, workflow.Staff(staffAll), letter)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.db.FindAppeal(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReceivedAt.Equal(letter.ReceivedAt) || !got.CreatedAt.Equal(f.now) {
		t.Errorf("stored received %v, created %v; want %v and %v", got.ReceivedAt, got.CreatedAt, letter.ReceivedAt, f.now)
	}

	mine := f.submit(t, "housing")
	if got, err := f.db.FindAppeal(ctx, mine.ID); err != nil || !got.ReceivedAt.IsZero() {
		t.Errorf("a bot message: received %v (%v), want none: it is received when created", got.ReceivedAt, err)
	}

	future := letter
	future.ReceivedAt = f.now.Add(time.Hour)
	if _, err := f.svc.Submit(ctx, workflow.Staff(staffAll), future); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("received in the future: %v, want invalid", err)
	}
	_, err = f.svc.Submit(ctx, workflow.Resident(residentUser), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: f.residentID(t, residentUser), Text: "Во дворе дома 5 не вывозят мусор",
		ReceivedAt: f.now.AddDate(0, 0, -1),
	})
	if workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("a resident's message with a receipt date: %v, want invalid", err)
	}
}
