package main

import (
	"context"
	"math/rand/v2"
	"sync"
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
	housing := bindHousing(t, srv, dbURL)
	startChild(t, buildMCU(t), srv, dbURL)
	pool := openPool(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	w := loadtest.NewWatcher(ctx, srv)
	res, err := w.Closed(ctx, 5, 40*time.Second, false, loadtest.Options{Nudge: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res)
	waitOutboxEmpty(t, pool, 20*time.Second)
	c := checkDelivery(t, srv, pool, housing, res.Done)
	for _, p := range c.problems {
		t.Error(p)
	}
	if c.noticeRepeats+c.cardRepeats > 0 {
		t.Errorf("%d numbers and %d cards sent twice without any crash", c.noticeRepeats, c.cardRepeats)
	}
}

var _ = rand.IntN
var _ sync.Mutex
