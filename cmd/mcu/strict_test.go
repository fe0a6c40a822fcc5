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
	knownBug(t, "a reply of a handler (the intake's next prompt) that Telegram answers with 429 fails the whole update "+
		"(\"telegram: handler failed\" error=\"telegram: retry after 1 (429)\"), which is then retried only after the inbox's 30 s grace: "+
		"a resident who answers the prompts at once trips a private chat's 3-then-1-a-second limit by the 4th message and waits 30 s; "+
		"the handlers' replies are not paced nor retried after retry_after")
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

// knownBug skips a test that fails because of a known bug of the bot,
// unless MCU_KNOWN_BUGS=1 (to see whether it is fixed).
func knownBug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("MCU_KNOWN_BUGS") != "1" {
		t.Skip("known bug: " + what)
	}
}
