package storage_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"mcu/internal/dbtest"
	"mcu/migrations"
	"mcu/outbox"
	"mcu/storage"
	"mcu/workflow"
)

func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = storage.Migrate(ctx, url, dbtest.Logger(t)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent migrations: %v", err)
	}
	db, err := storage.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, directions int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM directions`).Scan(&directions); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) || directions != 5 {
		t.Errorf("after 4 concurrent runs: %d migrations recorded, %d directions; want %d and 5", applied, directions, len(files))
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	ctx := context.Background()
	db, err := storage.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dbtest.Exec(t, db, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`)
	err = storage.Migrate(ctx, url, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("Migrate on a newer schema: %v, want a refusal", err)
	}
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	var id int64
	err := db.InTxStore(ctx, func(ctx context.Context, tx *storage.Tx) error {
		a := &workflow.Appeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, State: workflow.StateReceived,
			Text: "Яма на дороге", Version: 1}
		if err := tx.CreateAppeal(ctx, a, "", ""); err != nil {
			return err
		}
		id = a.ID
		return tx.AppendEvent(ctx, workflow.AuditEvent{AppealID: a.ID, Actor: workflow.System(),
			Event: workflow.EventRegister, From: workflow.StateReceived, To: workflow.StateRegistered})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE appeal_events SET event = 'x'`, `DELETE FROM appeal_events`} {
		if _, err := db.Pool().Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
	events, err := db.FindAppealEvents(ctx, id)
	if err != nil || len(events) != 1 || events[0].Event != workflow.EventRegister {
		t.Errorf("events after refused changes: %+v, %v", events, err)
	}
}

func TestUpdateRecordedWithItsEffects(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := storage.WithUpdate(context.Background(), 777)
	boom := errors.New("boom")
	// A failed handler records nothing: the update can be processed again.
	err := db.InTxStore(ctx, func(context.Context, *storage.Tx) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if done, _ := db.UpdateProcessed(ctx, 777); done {
		t.Fatal("a rolled-back handler marked the update processed")
	}
	if err := db.InTxStore(ctx, func(context.Context, *storage.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if done, _ := db.UpdateProcessed(ctx, 777); !done {
		t.Fatal("update not recorded after commit")
	}
	// A second delivery is refused as a conflict.
	again := storage.WithUpdate(context.Background(), 777)
	err = db.InTxStore(again, func(context.Context, *storage.Tx) error { return nil })
	if workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("second delivery: %v, want conflict", err)
	}
}

func TestOutboxOrderPerChat(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES (-1, 'direction', 'housing', 1), (-2, 'direction', 'social', 1)`)
	enqueue := func(dir string, n int) {
		err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for range n {
				if err := tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceChat, Direction: dir}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue("housing", 3)
	enqueue("social", 2)

	var sent []int64 // outbox ids in the order they were sent
	failFirst := true
	for {
		found, err := db.SendOutbox(ctx, func(ctx context.Context, m outbox.Message) outbox.Outcome {
			if m.ChatID == -1 && failFirst {
				// The housing chat's head fails: its later messages wait,
				// the social chat goes on.
				failFirst = false
				return outbox.Outcome{RetryAfter: 1, Err: errors.New("telegram 502")}
			}
			sent = append(sent, m.ID)
			return outbox.Outcome{}
		})
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			break
		}
	}
	// Retry of the failed head is due in 1 ns: everything is sent, and each
	// chat's messages in the order they were enqueued.
	if len(sent) != 5 {
		t.Fatalf("sent %v, want 5 messages", sent)
	}
	last := map[bool]int64{}
	for _, id := range sent {
		housing := id <= 3
		if id < last[housing] {
			t.Errorf("sent %v: out of order within a chat", sent)
		}
		last[housing] = id
	}
	if n, _ := db.PendingOutbox(ctx); n != 0 {
		t.Errorf("%d messages still pending", n)
	}
}

func TestOutboxNeverSendsTwiceConcurrently(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	for i := range 20 {
		dbtest.Exec(t, db, `INSERT INTO outbox (chat_id, kind, payload) VALUES ($1, 'chat', '{}')`, int64(-100-i%5))
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				found, err := db.SendOutbox(ctx, func(ctx context.Context, m outbox.Message) outbox.Outcome {
					mu.Lock()
					seen[m.ID]++
					mu.Unlock()
					return outbox.Outcome{}
				})
				if err != nil {
					t.Error(err)
					return
				}
				if !found {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Errorf("%d distinct messages sent, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
}
