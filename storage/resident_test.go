package storage_test

import (
	"context"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/tgstate"
	"mcu/workflow"
)

func TestConsentIsRecordedOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := db.FindResident(ctx, 42); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Fatalf("resident before consent: %v", err)
	}
	first := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r, created, err := db.GiveConsent(ctx, workflow.Consent{UserID: 42, ChatID: 42, Name: "Алиса", Version: "v1", At: first})
	if err != nil || !created || !r.ConsentAt.Equal(first) || r.ConsentVersion != "v1" {
		t.Fatalf("first consent: %+v, %v, %v", r, created, err)
	}
	r, created, err = db.GiveConsent(ctx, workflow.Consent{UserID: 42, ChatID: 42, Name: "Алиса", Version: "v2", At: first.Add(time.Hour)})
	if err != nil || created || !r.ConsentAt.Equal(first) || r.ConsentVersion != "v1" {
		t.Fatalf("second consent changed it: %+v, %v, %v", r, created, err)
	}
	dbtest.Exec(t, db, `UPDATE residents SET blocked_at = now() WHERE telegram_user_id = 42`)
	if err := db.UnblockResident(ctx, 42, 42); err != nil {
		t.Fatal(err)
	}
	if r, err := db.FindResident(ctx, 42); err != nil || !r.BlockedAt.IsZero() || !r.Consented() {
		t.Fatalf("after unblocking: %+v, %v", r, err)
	}
}

func TestFinishDialogRunsOnceOnTheDialogAsRead(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if err := db.SaveDialog(ctx, &tgstate.Dialog{UserID: 1, ChatID: 1, Kind: "intake", State: "confirm"}); err != nil {
		t.Fatal(err)
	}
	d, err := db.FindDialog(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	fn := func(context.Context, workflow.Tx) error { runs++; return nil }
	if err := db.FinishDialog(ctx, d, nil, fn); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishDialog(ctx, d, nil, fn); workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("second finish: %v, want a conflict", err)
	}
	if runs != 1 {
		t.Errorf("fn ran %d times, want once", runs)
	}
	// A dialog changed since it was read is not finished; next replaces it.
	if err := db.SaveDialog(ctx, &tgstate.Dialog{UserID: 1, ChatID: 1, Kind: "intake", State: "confirm"}); err != nil {
		t.Fatal(err)
	}
	if d, err = db.FindDialog(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	stale := *d
	stale.State = "details"
	if err := db.FinishDialog(ctx, &stale, nil, fn); workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("finishing a changed dialog: %v, want a conflict", err)
	}
	next := &tgstate.Dialog{UserID: 1, ChatID: 1, Kind: "intake", State: "details", Data: []byte(`{"text":"x"}`)}
	if err := db.FinishDialog(ctx, d, next, fn); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindDialog(ctx, 1, 1); err != nil || got.State != "details" {
		t.Errorf("dialog after finishing with next: %+v, %v", got, err)
	}
}
