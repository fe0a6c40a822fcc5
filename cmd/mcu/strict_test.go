package main

import (
	"context"
	"os"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/loadtest"
)

// TestStrictResidentGetsNumberPromptly: a resident who answers each
// prompt at once, against a Telegram that keeps its flood limits (a
// private chat: 3 messages at once, then one a second), still gets a
// number within 30 s: the bot keeps to the limits itself rather than
// tripping them and retrying the update later.
func TestStrictResidentGetsNumberPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	srv := quietServer(t, true)
	dbURL := dbtest.URL(t)
	bindDirections(t, srv, dbURL)
	c := startChild(t, buildMCU(t), srv, dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	w := loadtest.NewWatcher(ctx, srv)
	res, err := w.Closed(ctx, 3, 30*time.Second, false, loadtest.Options{Plan: loadtest.SpreadPlan})
	t.Logf("%s", res)
	if os.Getenv("MCU_STRICT_LOG") != "" {
		t.Logf("%s", c.stderr.String())
	}
	if err != nil {
		t.Fatal(err)
	}
}
