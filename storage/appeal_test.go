package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// TestUpdateAppealRefusesStaleVersion interleaves two transactions by
// hand: A and B both read version v of an appeal on approval; B opens its
// transaction, A locks the appeal, approves it and commits, then B writes
// its own approval of version v. B's write must fail with a conflict and
// leave A's approval as it is: UpdateAppeal writes only over the version
// it was given.
func TestUpdateAppealRefusesStaleVersion(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	var id int64
	err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
		a := &workflow.Appeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, State: workflow.StateOnApproval,
			Text: "Яма у подъезда дома 9", Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		err := tx.CreateAppeal(ctx, a, "", "")
		id = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Exec(t, db, `UPDATE appeals SET draft = 'Яму заделаем до 10.03.2026.' WHERE id = $1`, id)
	seen, err := db.FindAppeal(ctx, id) // what both saw: version v
	if err != nil {
		t.Fatal(err)
	}
	approve := func(a *workflow.Appeal, by string) {
		a.State, a.Answer, a.Version = workflow.StateAnswered, by, a.Version+1
	}

	bOpen, aCommitted := make(chan struct{}), make(chan struct{})
	aDone := sync.OnceFunc(func() { close(aCommitted) })
	defer aDone() // B never waits for ever, whatever fails
	bDone := make(chan error, 1)
	go func() {
		bDone <- db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			close(bOpen)
			<-aCommitted
			b := *seen
			approve(&b, "B")
			return tx.UpdateAppeal(ctx, &b)
		})
	}()
	select {
	case <-bOpen:
	case <-time.After(10 * time.Second):
		t.Fatal("transaction B did not open")
	}
	errA := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
		a, err := tx.LockAppeal(ctx, id)
		if err != nil {
			return err
		}
		if a.Version != seen.Version {
			t.Errorf("A read version %d, want %d", a.Version, seen.Version)
		}
		approve(a, "A")
		return tx.UpdateAppeal(ctx, a)
	})
	aDone()
	var errB error
	select {
	case errB = <-bDone:
	case <-time.After(10 * time.Second):
		t.Fatal("transaction B did not end")
	}

	if errA != nil {
		t.Errorf("A's approval: %v", errA)
	}
	if code := workflow.ErrorCode(errB); code != workflow.EConflict {
		t.Errorf("B's approval of a stale version: %v (code %q), want a conflict", errB, code)
	}
	got, err := db.FindAppeal(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != seen.Version+1 || got.Answer != "A" || got.State != workflow.StateAnswered {
		t.Errorf("stored: version %d, answer %q, %s; want version %d, A's answer, answered",
			got.Version, got.Answer, got.State, seen.Version+1)
	}
}
