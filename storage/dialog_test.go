package storage_test

import (
	"context"
	"testing"

	"mcu/internal/dbtest"
	"mcu/tgstate"
	"mcu/workflow"
)

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

func TestStartDialogWithItsChange(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	next := &tgstate.Dialog{UserID: 1, ChatID: 1, Kind: "resident_comment", State: "text", Data: []byte(`{"appeal_id":1}`)}
	refused := workflow.Errorf(workflow.EInvalid, "refused")
	if err := db.StartDialog(ctx, next, func(context.Context, workflow.Tx) error { return refused }); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Fatalf("StartDialog with a refused change: %v", err)
	}
	if d, err := db.FindDialog(ctx, 1, 1); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("a refused change left dialog %+v, %v", d, err)
	}
	// It replaces the dialog in progress (an intake put aside in next).
	if err := db.SaveDialog(ctx, &tgstate.Dialog{UserID: 1, ChatID: 1, Kind: "intake", State: "details"}); err != nil {
		t.Fatal(err)
	}
	if err := db.StartDialog(ctx, next, func(context.Context, workflow.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if d, err := db.FindDialog(ctx, 1, 1); err != nil || d.Kind != "resident_comment" {
		t.Errorf("dialog after StartDialog: %+v, %v", d, err)
	}
}
