package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/loadtest"
	"mcu/internal/localpg"
	"mcu/internal/telegramtest"
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
	// Unpaced (the server keeps no limits here), so that what a reply
	// waits for is the slow chat, not a private chat's one a second.
	startChild(t, buildMCU(t), srv, dbURL, "MCU_SEND_PER_SECOND=0")
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
	// A sender that starts (again) spends its first minute with empty
	// buckets — a group's cards one every 6 s — as the one before it may
	// have just spent Telegram's (see delivery's elect.go).
	waitOutboxEmpty(t, pool, 75*time.Second)
	check := checkDelivery(t, srv, pool, groups, r.res.Done)
	for _, p := range check.problems {
		t.Error(p)
	}
	t.Logf("%d kills; %d numbers; repeated after a kill: %d numbers, %d cards; %s",
		kills, check.numbers, check.noticeRepeats, check.cardRepeats, r.res)
}

// TestSlowTelegramBlocksNoOne: Telegram answering one resident's chat in
// 2 s a call does not hold up the others' intake; and when every call
// takes 2 s, ten residents writing at once are answered side by side,
// not one after another.
func TestSlowTelegramBlocksNoOne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	srv := quietServer(t, false)
	dbURL := dbtest.URL(t)
	groups := bindDirections(t, srv, dbURL)
	// Unpaced (the server keeps no limits here), so that what a reply
	// waits for is the slow chat, not a private chat's one a second.
	startChild(t, buildMCU(t), srv, dbURL, "MCU_SEND_PER_SECOND=0")
	pool := openPool(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	w := loadtest.NewWatcher(ctx, srv)

	// One resident whose chat is slow, the others at full speed.
	slow := w.NewResident("Slow", loadtest.SpreadPlan(0), 0)
	srv.AddFault(telegramtest.Fault{ChatID: slow.User.ID, Delay: 2 * time.Second, Times: 1 << 30})
	slowCtx, stopSlow := context.WithCancel(ctx)
	defer stopSlow()
	go func() { _ = slow.Run(slowCtx, nil) }()
	if _, err := srv.WaitCall(ctx, "", func(c telegramtest.Call) bool { return c.ChatID() == slow.User.ID && c.Duration >= 2*time.Second }); err != nil {
		t.Fatal(err)
	}
	res, err := w.Closed(ctx, 10, 30*time.Second, false, loadtest.Options{Plan: loadtest.SpreadPlan, Nudge: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("beside a chat answered in 2 s: %s", res)
	if res.P50 >= time.Second {
		t.Errorf("the others' median reply took %s beside a slow chat, want well under its 2 s", res.P50)
	}
	waitOutboxEmpty(t, pool, 20*time.Second)
	for _, p := range checkDelivery(t, srv, pool, groups, res.Done).problems {
		t.Error(p)
	}
	stopSlow()
	srv.ClearFaults()

	// Every call slow: ten residents write at once.
	srv.AddFault(telegramtest.Fault{Delay: 2 * time.Second, Times: 1 << 30})
	defer srv.ClearFaults()
	var msgs []telegramtest.Message
	for i := range 10 {
		u := srv.NewUser(fmt.Sprintf("Patient %d", i))
		msgs = append(msgs, srv.SendText(u, "/start"))
	}
	began := time.Now()
	for _, m := range msgs {
		if _, err := srv.WaitSent(ctx, telegramtest.After(m)); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(began)
	t.Logf("ten /start answered in %s with every call taking 2 s", took)
	if took > 8*time.Second {
		t.Errorf("ten residents took %s to be answered with every call taking 2 s: handled one after another, not side by side", took)
	}
}

// privateDir makes a directory for a PostgreSQL cluster of the test's
// own, reachable by the postgres user when the test runs as root; a
// server left running there is stopped at the end.
func privateDir(t *testing.T) string {
	t.Helper()
	if _, _, err := localpg.FindBinaries(""); err != nil {
		t.Skipf("no PostgreSQL binaries: %v", err)
	}
	base, err := os.MkdirTemp("", "mcu-fault-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); err == nil {
			if c, err := localpg.Start(context.Background(), localpg.Options{Dir: dir, Logger: quietLogger()}); err == nil {
				_ = c.Stop(context.Background())
			}
		}
		os.RemoveAll(base)
	})
	return dir
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestPostgresRestartUnderLoad: the PostgreSQL server restarts (stop -m
// fast, start) while 30 residents submit appeals; mcu serve reconnects by
// itself, every resident gets a number once and every card reaches its
// chat once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary, starts a PostgreSQL cluster")
	}
	t.Parallel()
	dir := privateDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Second)
	defer cancel()
	cluster, err := localpg.Start(ctx, localpg.Options{Dir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })
	dbURL := cluster.URL()
	srv := quietServer(t, false)
	startChild(t, buildMCU(t), srv, dbURL) // migrates
	groups := bindDirections(t, srv, dbURL)

	w := loadtest.NewWatcher(ctx, srv)
	done := runResidents(ctx, w, 30, 45*time.Second, loadtest.Options{Nudge: 10 * time.Second, Plan: loadtest.SpreadPlan})
	// Restart once the residents are under way.
	if _, err := srv.WaitCall(ctx, "sendMessage", func(c telegramtest.Call) bool { return c.ChatID() > 0 }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
	if err := cluster.Stop(ctx); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	down := time.Now()
	cluster, err = localpg.Start(ctx, localpg.Options{Dir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("start PostgreSQL again: %v", err)
	}
	t.Logf("PostgreSQL down for %s", time.Since(down).Round(time.Millisecond))
	r := <-done
	if r.err != nil {
		t.Fatalf("after a PostgreSQL restart: %v", r.err)
	}
	pool := openPool(t, dbURL)
	// A sender that starts (again) spends its first minute with empty
	// buckets — a group's cards one every 6 s — as the one before it may
	// have just spent Telegram's (see delivery's elect.go).
	waitOutboxEmpty(t, pool, 75*time.Second)
	check := checkDelivery(t, srv, pool, groups, r.res.Done)
	for _, p := range check.problems {
		t.Error(p)
	}
	nudges := 0
	for _, d := range r.res.Done {
		nudges += d.Nudges
	}
	t.Logf("%d numbers; repeated: %d numbers, %d cards; residents asked again %d times; %s",
		check.numbers, check.noticeRepeats, check.cardRepeats, nudges, r.res)
}

// TestServeAdoptsClusterAfterCrash: mcu serve killed with -9 leaves its
// private cluster running; the next serve recognises it (its owner is
// gone), takes it over, and stops it on exit, so no PostgreSQL is left
// orphaned. (A SIGHUP's clean stop: TestServeStopsPrivateClusterOnSIGHUP.)
func TestServeAdoptsClusterAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary, starts a PostgreSQL cluster")
	}
	t.Parallel()
	dir := privateDir(t)
	pidFile := filepath.Join(dir, "postgres", "postmaster.pid")
	bin := buildMCU(t)
	srv := quietServer(t, false)
	first := startChild(t, bin, srv, "", "MCU_DATA_DIR="+dir)
	postmaster := func() string {
		raw, err := os.ReadFile(pidFile)
		if err != nil {
			return ""
		}
		pid, _, _ := strings.Cut(string(raw), "\n")
		return pid
	}
	crashed := postmaster()
	if crashed == "" {
		t.Fatal("the private cluster is not running")
	}
	first.kill9()
	if postmaster() != crashed {
		t.Fatalf("the cluster did not outlive the crash (postmaster %q, was %s)", postmaster(), crashed)
	}

	second := startChild(t, bin, srv, "", "MCU_DATA_DIR="+dir)
	if got := postmaster(); got != crashed {
		t.Errorf("the next serve started postmaster %s instead of taking over %s", got, crashed)
	}
	if err := second.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("serve after the crash: %v", err)
	}
	if pid := postmaster(); pid != "" {
		t.Errorf("the cluster left running after a crash and a clean stop (postmaster %s)", pid)
	}
	if !strings.Contains(second.stderr.String(), "started_here=true") {
		t.Errorf("the second serve did not say it owns the cluster:\n%s", second.stderr.String())
	}
}
