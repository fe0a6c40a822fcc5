package main

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/loadtest"
)

// TestResidentsGetNumbersThroughServe: the load harness's residents,
// reading only what the bot shows, get through the intake of a real mcu
// serve; each gets a number once and its card reaches the direction's
// chat once.
func TestResidentsGetNumbersThroughServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	srv := quietServer(t, false)
	dbURL := dbtest.URL(t)
	groups := bindDirections(t, srv, dbURL)
	startChild(t, buildMCU(t), srv, dbURL)
	pool := openPool(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	w := loadtest.NewWatcher(ctx, srv)
	res, err := w.Closed(ctx, 5, 40*time.Second, false, loadtest.Options{Nudge: 15 * time.Second, Plan: loadtest.SpreadPlan})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res)
	waitOutboxEmpty(t, pool, 20*time.Second)
	c := checkDelivery(t, srv, pool, groups, res.Done)
	for _, p := range c.problems {
		t.Error(p)
	}
	if c.noticeRepeats+c.cardRepeats > 0 {
		t.Errorf("%d numbers and %d cards sent twice without any crash", c.noticeRepeats, c.cardRepeats)
	}
}

// runResidents plays n residents in the background; the result comes on
// the channel.
func runResidents(ctx context.Context, w *loadtest.Watcher, n int, d time.Duration, opts loadtest.Options) <-chan residentsResult {
	out := make(chan residentsResult, 1)
	go func() {
		res, err := w.Closed(ctx, n, d, false, opts)
		out <- residentsResult{res, err}
	}()
	return out
}

type residentsResult struct {
	res loadtest.Result
	err error
}

// TestKill9UnderLoad: mcu serve killed with -9 at random points while 30
// residents submit appeals, and started again each time. Afterwards every
// appeal that got a number is stored once, every resident got the
// number once and every card reached the direction's chat once — a send
// Telegram accepted just before the kill may repeat once (README,
// Delivery), which the test allows and reports.
func TestKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	srv := quietServer(t, false)
	dbURL := dbtest.URL(t)
	groups := bindDirections(t, srv, dbURL)
	c := startChild(t, buildMCU(t), srv, dbURL)
	pool := openPool(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	w := loadtest.NewWatcher(ctx, srv)
	done := runResidents(ctx, w, 30, 45*time.Second, loadtest.Options{Nudge: 8 * time.Second, Plan: loadtest.SpreadPlan})
	kills := 0
	var r residentsResult
wait:
	for {
		select {
		case r = <-done:
			break wait
		case <-time.After(time.Duration(50+rand.IntN(400)) * time.Millisecond):
			if kills < 4 {
				c.kill9()
				kills++
				c.start()
			}
		}
	}
	if r.err != nil {
		t.Fatalf("after %d kills: %v", kills, r.err)
	}
	waitOutboxEmpty(t, pool, 30*time.Second)
	check := checkDelivery(t, srv, pool, groups, r.res.Done)
	for _, p := range check.problems {
		t.Error(p)
	}
	t.Logf("%d kills; %d numbers; repeated after a kill: %d numbers, %d cards; %s",
		kills, check.numbers, check.noticeRepeats, check.cardRepeats, r.res)
}
