package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

// notifications listens on the outbox's NOTIFY channel on a connection of
// its own, as a dispatcher of another process does, and counts what it
// hears within d after each call of the returned func.
func notifications(t *testing.T, url string) func(d time.Duration) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `LISTEN mcu_outbox`); err != nil {
		t.Fatal(err)
	}
	return func(d time.Duration) int {
		n := 0
		for {
			wctx, cancel := context.WithTimeout(ctx, d)
			_, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil {
				return n
			}
			n++
		}
	}
}

// A dispatcher of the process that enqueues is woken in process after
// the commit, with no NOTIFY (a lock every notifying commit of the server
// waits for); without one, the NOTIFY wakes another process's.
func TestOutboxWakesItsOwnProcessWithoutNotify(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	db, err := storage.Open(context.Background(), url, dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	heard := notifications(t, url)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES (-1, 'direction', 'housing', 1)`)
	enqueue := func() {
		t.Helper()
		err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceChat, Direction: "housing"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	enqueue()
	if n := heard(300 * time.Millisecond); n != 1 {
		t.Fatalf("no dispatcher in the process: %d notifications, want 1", n)
	}

	lctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop) // before db.Close, which waits for the listener's connection
	wake := db.ListenOutbox(lctx)
	drain := func() {
		for {
			select {
			case <-wake:
			case <-time.After(300 * time.Millisecond):
				return
			}
		}
	}
	drain() // the listener's first signal, if any
	enqueue()
	select {
	case <-wake:
	case <-time.After(5 * time.Second):
		t.Fatal("the process's dispatcher was not woken after the commit")
	}
	if n := heard(300 * time.Millisecond); n != 0 {
		t.Errorf("with a dispatcher in the process: %d notifications, want none", n)
	}

	stop()
	for range wake { // closed once the listener has gone
	}
	enqueue()
	if n := heard(300 * time.Millisecond); n != 1 {
		t.Errorf("after the process's dispatcher stopped: %d notifications, want 1", n)
	}
}
