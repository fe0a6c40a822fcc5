package storage_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/migrations"
	"mcu/outbox"
	"mcu/storage"
	"mcu/tgstate"
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
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES (-1, 'direction', 'housing', 1)`)
	boom := errors.New("boom")
	enqueue := func(ctx context.Context) error {
		return db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceChat, Direction: "housing"})
		})
	}
	// A failed handler records nothing, not even what its savepoints
	// committed: the update can be processed again.
	err := db.HandleUpdate(ctx, 777, func(ctx context.Context) error {
		if err := enqueue(ctx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if processed(t, db, 777) || pending(t, db) != 0 {
		t.Fatalf("a rolled-back handler left processed=%v and %d messages", processed(t, db, 777), pending(t, db))
	}
	// A savepoint that fails is undone, and the rest commits.
	err = db.HandleUpdate(ctx, 777, func(ctx context.Context) error {
		if err := enqueue(ctx); err != nil {
			return err
		}
		err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceChat, Direction: "housing"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("savepoint: %v, want boom", err)
		}
		if processed(t, db, 777) {
			t.Error("the update shows as processed before its transaction committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !processed(t, db, 777) || pending(t, db) != 1 {
		t.Fatalf("after commit: processed=%v, %d messages, want true and 1", processed(t, db, 777), pending(t, db))
	}
	// A second delivery is refused as a conflict, and its handler never
	// runs.
	err = db.HandleUpdate(ctx, 777, func(context.Context) error {
		t.Error("a processed update handled again")
		return nil
	})
	if workflow.ErrorCode(err) != workflow.EConflict {
		t.Errorf("second delivery: %v, want conflict", err)
	}
}

// TestUpdateReadsItsOwnWrites: what a handler wrote is what it reads
// next, before the commit (reads join the update's transaction).
func TestUpdateReadsItsOwnWrites(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	err := db.HandleUpdate(context.Background(), 1, func(ctx context.Context) error {
		d := &tgstate.Dialog{UserID: 5, ChatID: 5, Kind: "intake", State: "details", Data: []byte(`{}`)}
		if err := db.SaveDialog(ctx, d); err != nil {
			return err
		}
		got, err := db.FindDialog(ctx, 5, 5)
		if err != nil || got.State != "details" {
			t.Errorf("FindDialog in the update: %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
		found, err := sendOne(ctx, db, func(ctx context.Context, m outbox.Message) outbox.Outcome {
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
	if n := pending(t, db); n != 0 {
		t.Errorf("%d messages still pending", n)
	}
}

// processed reports whether the update is recorded as processed.
func processed(t *testing.T, db *storage.DB, id int64) bool {
	t.Helper()
	var done bool
	err := db.Pool().QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM processed_updates WHERE update_id = $1)`, id).Scan(&done)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// pending counts the outbox messages waiting to be sent.
func pending(t *testing.T, db *storage.DB) int {
	t.Helper()
	n, err := db.PendingOutbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sendOne claims one message whose turn has come, if any, and records
// what send made of it.
func sendOne(ctx context.Context, db *storage.DB, send func(ctx context.Context, m outbox.Message) outbox.Outcome) (bool, error) {
	ms, n, err := db.ClaimOutbox(ctx, 1, 0, time.Minute)
	if err != nil || len(ms) == 0 {
		return n > 0, err
	}
	m := ms[0]
	if err := db.LoadOutbox(ctx, &m); err != nil {
		return true, err
	}
	return true, db.FinishOutbox(ctx, []outbox.Done{{Message: m, Outcome: send(ctx, m)}})
}

// drainOutbox hands every message whose turn has come to send and
// returns the ids of those it sent (not retried nor given up), in order.
func drainOutbox(t *testing.T, db *storage.DB, send func(m outbox.Message) outbox.Outcome) []int64 {
	t.Helper()
	var sent []int64
	for {
		found, err := sendOne(context.Background(), db, func(_ context.Context, m outbox.Message) outbox.Outcome {
			o := send(m)
			if o.RetryAfter == 0 && !o.Failed && !o.Blocked {
				sent = append(sent, m.ID)
			}
			return o
		})
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return sent
		}
	}
}

func TestOutboxHeadWaitingOutBackoffHoldsItsChat(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	// Chat -1 gets messages 1, 2, 3 and chat -2 messages 4, 5, interleaved
	// in time as the workflow would enqueue them.
	for _, chat := range []int64{-1, -1, -2, -1, -2} {
		dbtest.Exec(t, db, `INSERT INTO outbox (chat_id, kind, payload) VALUES ($1, 'chat', '{}')`, chat)
	}
	ids := map[int64][]int64{}
	rows, err := db.Pool().Query(context.Background(), `SELECT id, chat_id FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, chat int64
		if err := rows.Scan(&id, &chat); err != nil {
			t.Fatal(err)
		}
		ids[chat] = append(ids[chat], id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	head := ids[-1][0]

	// The head of chat -1 fails and waits out an hour: its chat's later
	// messages wait behind it, chat -2's go out.
	sent := drainOutbox(t, db, func(m outbox.Message) outbox.Outcome {
		if m.ID == head {
			return outbox.Outcome{RetryAfter: time.Hour, Err: errors.New("telegram: Too Many Requests: retry after 3600 (429)")}
		}
		return outbox.Outcome{}
	})
	if !slices.Equal(sent, ids[-2]) {
		t.Errorf("while the head of chat -1 waits, sent %v; want chat -2's %v and nothing of chat -1 %v", sent, ids[-2], ids[-1])
	}
	if n := pending(t, db); n != 3 {
		t.Errorf("%d messages pending while the head waits, want chat -1's 3", n)
	}

	// The hour passes: chat -1 gets its messages in the order enqueued.
	dbtest.Exec(t, db, `UPDATE outbox SET next_attempt_at = now() WHERE id = $1`, head)
	sent = drainOutbox(t, db, func(outbox.Message) outbox.Outcome { return outbox.Outcome{} })
	if !slices.Equal(sent, ids[-1]) {
		t.Errorf("after the wait, sent %v, want chat -1's %v in order", sent, ids[-1])
	}
	if n := pending(t, db); n != 0 {
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
				found, err := sendOne(ctx, db, func(ctx context.Context, m outbox.Message) outbox.Outcome {
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

// A claimed message is nobody else's while its lease runs (renewed while
// it is sent); a sender that died leaves it to the next one when the
// lease ends, and its chat's later messages wait behind it meanwhile.
func TestOutboxLeaseHoldsAClaimUntilItEnds(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO outbox (chat_id, kind, payload) VALUES (-1, 'chat', '{}'), (-1, 'chat', '{}')`)
	const lease = 500 * time.Millisecond
	ms, n, err := db.ClaimOutbox(ctx, 10, 0, lease)
	if err != nil || n != 1 || len(ms) != 1 || !ms[0].Next {
		t.Fatalf("first claim: %d messages (%v), err %v; want the chat's head, with more behind it", n, ms, err)
	}
	claimAgain := func() int {
		t.Helper()
		_, n, err := db.ClaimOutbox(ctx, 10, 0, lease)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := claimAgain(); n != 0 {
		t.Fatalf("claimed %d while the lease runs, want none (the head is leased, the next waits behind it)", n)
	}
	time.Sleep(lease / 2)
	if err := db.RenewOutbox(ctx, []int64{ms[0].ID}, lease); err != nil {
		t.Fatal(err)
	}
	time.Sleep(lease * 3 / 4)
	if n := claimAgain(); n != 0 {
		t.Fatalf("claimed %d after a renewal, want none", n)
	}
	time.Sleep(lease)
	// The sender died: the lease has ended and the head goes again.
	again, n, err := db.ClaimOutbox(ctx, 10, 0, lease)
	if err != nil || n != 1 || again[0].ID != ms[0].ID {
		t.Fatalf("after the lease: %d claimed (%v), err %v; want the same head again", n, again, err)
	}
	if err := db.FinishOutbox(ctx, []outbox.Done{{Message: again[0]}}); err != nil {
		t.Fatal(err)
	}
	if next, n, _ := db.ClaimOutbox(ctx, 10, 0, lease); n != 1 || next[0].ID == ms[0].ID {
		t.Fatalf("after the head was recorded: %d claimed (%v), want the next message", n, next)
	}
}

// A message whose record cannot be read is given up by the claim that
// finds it, with the reason, and its chat's next message goes.
func TestClaimGivesUpAMessageItCannotRead(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO outbox (chat_id, kind, payload) VALUES (-1, 'chat', '[]'), (-1, 'chat', '{}')`)
	ms, n, err := db.ClaimOutbox(ctx, 10, 0, time.Minute)
	if err != nil || n != 1 || len(ms) != 0 {
		t.Fatalf("claim: %d claimed, %d returned (%v), err %v; want the bad head claimed and not returned", n, len(ms), ms, err)
	}
	var failed bool
	var reason string
	if err := db.Pool().QueryRow(ctx, `SELECT failed_at IS NOT NULL, last_error FROM outbox ORDER BY id LIMIT 1`).Scan(&failed, &reason); err != nil {
		t.Fatal(err)
	}
	if !failed || !strings.Contains(reason, "bad payload") {
		t.Fatalf("the bad message: failed %v, reason %q; want it given up as a bad payload", failed, reason)
	}
	if next, n, err := db.ClaimOutbox(ctx, 10, 0, time.Minute); err != nil || n != 1 || len(next) != 1 {
		t.Fatalf("next claim: %d claimed (%v), err %v; want the chat's next message", n, next, err)
	}
}
