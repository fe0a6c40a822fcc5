package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// TestUseInviteOnce: two people opening the same link at once get one
// role between them.
func TestUseInviteOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	inv := workflow.Invite{Code: "abc", Role: workflow.RoleExecutor, Direction: "housing", CreatedBy: 1,
		CreatedAt: now, ExpiresAt: now.Add(workflow.InviteTTL)}
	if err := db.CreateInvite(ctx, inv, workflow.StaffAction{At: now, ActorID: 1, Role: workflow.RoleAdmin, Action: workflow.ActionInvite}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = db.UseInvite(ctx, "abc", int64(100+i), "Сотрудник", now) })
	}
	wg.Wait()
	ok, used := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, workflow.ErrInviteUsed):
			used++
		default:
			t.Errorf("UseInvite: %v", err)
		}
	}
	var roles int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM staff_roles`).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || used != 1 || roles != 1 {
		t.Errorf("%d granted, %d refused as used, %d roles; want 1, 1, 1", ok, used, roles)
	}
	if _, err := db.UseInvite(ctx, "abc", 200, "", now.Add(8*24*time.Hour)); !errors.Is(err, workflow.ErrInviteUsed) {
		t.Errorf("a used and expired code: %v", err)
	}
}
