package storage_test

import (
	"context"
	"testing"
	"time"

	"mcu/internal/dbtest"
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
