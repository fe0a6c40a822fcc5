package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mcu/internal/dbtest"
	"mcu/internal/loadtest"
	"mcu/internal/telegramtest"
)

// The load benchmarks run only with MCU_LOAD=1 (they take minutes), once
// each: go test -run '^$' -bench Load -benchtime 1x ./cmd/mcu. See
// docs/benchmarks.md for what they measure and the numbers of a run.

// needLoad skips a load benchmark unless MCU_LOAD=1.
func needLoad(b *testing.B) {
	b.Helper()
	if os.Getenv("MCU_LOAD") != "1" {
		b.Skip("a load benchmark: set MCU_LOAD=1")
	}
}

// envSeconds reads a duration in seconds from the environment.
func envSeconds(name string, def time.Duration) time.Duration {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return time.Duration(v) * time.Second
	}
	return def
}

// envInt reads a number from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// buildBinary builds mcu into a temporary directory of tb.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv("MCU_LOAD_BIN"); bin != "" {
		return bin // an A/B: a binary built from another revision
	}
	bin := filepath.Join(tb.TempDir(), "mcu")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// loadRig is mcu serve as a child against a test server and a fresh
// database, with directions bound to groups.
type loadRig struct {
	srv    *telegramtest.Server
	dbURL  string
	child  *child
	groups map[string]telegramtest.Chat
	w      *loadtest.Watcher
}

func newLoadRig(b *testing.B, bin string, strict bool, env ...string) *loadRig {
	b.Helper()
	r := &loadRig{srv: quietServer(b, strict), dbURL: dbtest.URL(b)}
	if !strict {
		// A Telegram without flood limits: the bot sends unpaced, so what
		// is measured is the bot and the database, not Telegram's limits.
		env = append(env, "MCU_SEND_PER_SECOND=0")
	}
	// MCU_LOAD_SERVE_ENV adds to serve's environment only, for an A/B of
	// a setting (GOMEMLIMIT=off) that must not reach the test process.
	env = append(env, strings.Fields(os.Getenv("MCU_LOAD_SERVE_ENV"))...)
	r.groups = bindDirections(b, r.srv, r.dbURL)
	r.child = startChild(b, bin, r.srv, r.dbURL, env...)
	if path := os.Getenv("MCU_LOAD_LOG"); path != "" {
		b.Cleanup(func() { _ = os.WriteFile(path, []byte(r.child.stderr.String()), 0o600) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	r.w = loadtest.NewWatcher(ctx, r.srv)
	return r
}

// memory reads the child's memory, failing the benchmark if it cannot.
func (r *loadRig) memory(b *testing.B) loadtest.Memory {
	b.Helper()
	m, err := loadtest.ReadMemory(r.child.pid())
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// commits reads the transactions committed in the rig's database.
func (r *loadRig) commits(b *testing.B) int64 {
	b.Helper()
	n, err := loadtest.Commits(context.Background(), r.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// statsFlush is how long PostgreSQL 15 may keep a backend's counts before
// pg_stat_database shows them.
const statsFlush = 11 * time.Second

// BenchmarkLoadIntake: intake throughput with 8 and 32 residents at a
// time through the whole path (test server → mcu serve → PostgreSQL →
// test server), beside pgbench's TPS on the same server in the same run;
// commits per appeal; the memory of serve idle and at its peak.
// MCU_LOAD_SECONDS (30) is each run's length, MCU_PGBENCH_SECONDS (30)
// pgbench's.
func BenchmarkLoadIntake(b *testing.B) {
	needLoad(b)
	pgbench, err := loadtest.FindPGBench()
	if err != nil {
		b.Skip(err)
	}
	tps, cmds, err := loadtest.PGBench(context.Background(), pgbench, dbtest.EmptyURL(b), 8, envSeconds("MCU_PGBENCH_SECONDS", 30*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("pgbench: %.0f TPS (%v)", tps, cmds)
	bin := buildBinary(b)
	d := envSeconds("MCU_LOAD_SECONDS", 30*time.Second)
	for _, n := range []int{8, 32} {
		b.Run("residents="+strconv.Itoa(n), func(b *testing.B) {
			rig := newLoadRig(b, bin, false)
			time.Sleep(statsFlush) // idle: the start's commits counted, memory settled
			idleFrom, c0 := time.Now(), rig.commits(b)
			time.Sleep(10 * time.Second)
			idle := rig.memory(b)
			before := rig.commits(b)
			idleRate := float64(before-c0) / time.Since(idleFrom).Seconds() // the dispatcher's and scheduler's own
			loadFrom := time.Now()
			res, err := rig.w.Closed(context.Background(), n, d, true, loadtest.Options{Plan: loadtest.SpreadPlan, Nudge: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			peak := rig.memory(b)
			time.Sleep(statsFlush)
			commits := rig.commits(b) - before
			net := float64(commits) - idleRate*time.Since(loadFrom).Seconds()
			b.Logf("%d residents: %s; %d commits (%.1f/s when idle, so %.0f for the load); serve RSS idle %.1f MiB, peak %.1f MiB",
				n, res, commits, idleRate, net, loadtest.MiB(idle.RSS), loadtest.MiB(peak.Peak))
			b.ReportMetric(res.AppealsPerSec(), "appeals/s")
			b.ReportMetric(res.UpdatesPerSec(), "updates/s")
			b.ReportMetric(tps, "pgbench-tps")
			b.ReportMetric(res.UpdatesPerSec()/tps, "updates/pgbench-tx")
			b.ReportMetric(float64(commits)/float64(max(res.Appeals, 1)), "commits/appeal")
			b.ReportMetric(net/float64(max(res.Appeals, 1)), "net-commits/appeal")
			b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(res.MessagesPerSec(), "msgs/s")
			b.ReportMetric(loadtest.MiB(idle.RSS), "rss-idle-MiB")
			b.ReportMetric(loadtest.MiB(peak.Peak), "rss-peak-MiB")
		})
	}
}

// BenchmarkLoadLatency: the latency of a reply (an update's arrival at
// the server to the bot's first send or edit in that chat) at 100, 300 and
// 1,000 updates a second offered in open loop, and whether the backlog
// grows. MCU_LOAD_SECONDS (20 here by default) is each rate's run;
// MCU_LOAD_RATE runs one rate only; MCU_LOAD_LOG=<file> keeps serve's log there.
func BenchmarkLoadLatency(b *testing.B) {
	needLoad(b)
	bin := buildBinary(b)
	d := envSeconds("MCU_LOAD_SECONDS", 20*time.Second)
	rates := []int{100, 300, 1000}
	if r := envInt("MCU_LOAD_RATE", 0); r > 0 {
		rates = []int{r}
	}
	for _, rate := range rates {
		b.Run("rate="+strconv.Itoa(rate), func(b *testing.B) {
			rig := newLoadRig(b, bin, false)
			res, err := rig.w.Open(context.Background(), float64(rate), d, 5000, loadtest.Options{Plan: loadtest.SpreadPlan, Nudge: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			grows := 0.0
			if res.BacklogGrows() {
				grows = 1
			}
			b.Logf("%d/s offered: %s; after the first %v: p50 %v p99 %v; %d residents; backlog each second %v; grows: %v; ticks missed %d",
				rate, res, loadtest.Warmup, res.SteadyP50.Round(100*time.Microsecond), res.SteadyP99.Round(100*time.Microsecond),
				res.Residents, res.Backlog, res.BacklogGrows(), res.Missed)
			b.ReportMetric(float64(res.SteadyP99.Microseconds())/1000, "p99-steady-ms")
			b.ReportMetric(res.UpdatesPerSec(), "updates/s")
			b.ReportMetric(res.RepliesPerSec(), "replies/s")
			b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(grows, "backlog-grows")
			if n := len(res.Backlog); n > 0 {
				b.ReportMetric(float64(res.Backlog[n-1]), "backlog-end")
			}
		})
	}
}

// BenchmarkLoadBurstStrict: 1,000 residents (MCU_LOAD_RESIDENTS) start at
// once and each submits one housing appeal, against the test server
// keeping Telegram's limits: messages a second, 429s, the time until
// every resident has a number and until the outbox is empty, and the
// housing group's most messages in any 60 s (Telegram allows 20).
// MCU_LOAD_DRAIN_SECONDS (300) bounds the wait for the outbox; a drain
// not done by then is reported with what is left. MCU_LOAD_THINK_MS has
// each resident pause so long before each update, as a person would.
func BenchmarkLoadBurstStrict(b *testing.B) {
	needLoad(b)
	bin := buildBinary(b)
	n := envInt("MCU_LOAD_RESIDENTS", 1000)
	rig := newLoadRig(b, bin, true)
	time.Sleep(2 * time.Second)
	idle := rig.memory(b)
	pool := openPool(b, rig.dbURL)
	plan := func(i int) loadtest.Plan {
		p := loadtest.DefaultPlan(i)
		p.Location = false // a card without a map pin: one message each in the group
		return p
	}
	start := time.Now()
	res, err := rig.w.Closed(context.Background(), n, envSeconds("MCU_LOAD_BURST_SECONDS", 30*time.Minute), false,
		loadtest.Options{Plan: plan, Nudge: 2 * time.Minute, Think: time.Duration(envInt("MCU_LOAD_THINK_MS", 0)) * time.Millisecond})
	numbers := time.Since(start)
	if err != nil {
		b.Logf("not every resident got a number: %v", err)
	}
	peak := rig.memory(b)
	b.Logf("%d residents: every number after %s; %s", n, numbers.Round(time.Second), res)

	drain := envSeconds("MCU_LOAD_DRAIN_SECONDS", 300*time.Second)
	left := -1
	for time.Since(start) < numbers+drain {
		left = queryInt(b, pool, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`)
		if left == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	empty := time.Since(start)
	all := rig.w.Snapshot()
	housing := rig.groups["housing"].ID
	cards := 0
	for _, m := range rig.srv.Sent(housing) {
		if loadtest.NumberPattern.MatchString(m.Content()) {
			cards++
		}
	}
	b.Logf("outbox: %d left after %s; %d cards in the housing group; its most in any 60 s: %d; bot messages %d, 429s %d in all; serve RSS idle %.1f MiB, peak %.1f MiB",
		left, empty.Round(time.Second), cards, rig.w.GroupMaxPerMinute(housing), all.Messages, all.TooMany, loadtest.MiB(idle.RSS), loadtest.MiB(peak.Peak))
	explain429s(b, rig.srv.Calls())
	explainGroup(b, rig.srv.Calls(), housing, start)
	explainLeft(b, pool)
	b.ReportMetric(float64(res.Appeals), "residents-with-number")
	b.ReportMetric(numbers.Seconds(), "s-to-all-numbers")
	b.ReportMetric(empty.Seconds(), "s-to-outbox-empty")
	b.ReportMetric(float64(left), "outbox-left")
	b.ReportMetric(res.MessagesPerSec(), "msgs/s")
	b.ReportMetric(float64(all.TooMany), "429s")
	b.ReportMetric(float64(rig.w.GroupMaxPerMinute(housing)), "group-max-per-60s")
	b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(loadtest.MiB(idle.RSS), "rss-idle-MiB")
	b.ReportMetric(loadtest.MiB(peak.Peak), "rss-peak-MiB")
}

// explain429s logs, for each call Telegram answered 429, what was sent
// just before it: the successful calls that count against the limits in
// the second before (the bot's 30 a second) and to the same chat in the
// 3 s before (a private chat's bucket of 3), so that a run tells which
// limit the bot overstepped.
func explain429s(b *testing.B, calls []telegramtest.Call) {
	b.Helper()
	for _, c := range calls {
		if c.Status != 429 {
			continue
		}
		second, chat := 0, 0
		for _, o := range calls {
			if !o.OK() || o.Method == "answerCallbackQuery" || o.Method == "getUpdates" || o.Time.After(c.Time) {
				continue
			}
			if c.Time.Sub(o.Time) < time.Second {
				second++
			}
			if o.ChatID() == c.ChatID() && c.Time.Sub(o.Time) < 3*time.Second {
				chat++
			}
		}
		b.Logf("429 on %s to chat %d (%s): %d successful calls in the second before, %d to that chat in the 3 s before",
			c.Method, c.ChatID(), c.Description, second, chat)
		// The chat's calls around it: when each reached the server, how
		// long it took, how it ended.
		for _, o := range calls {
			if o.ChatID() != c.ChatID() || o.Time.Before(c.Time.Add(-5*time.Second)) || o.Time.After(c.Time.Add(2*time.Second)) {
				continue
			}
			text := []rune(o.Params["text"])
			b.Logf("    %+6dms %s took %dms, %d: message %s %q", o.Time.Sub(c.Time).Milliseconds(), o.Method, o.Duration.Milliseconds(), o.Status,
				o.Params["message_id"], string(text[:min(len(text), 40)]))
		}
	}
}

// explainGroup logs, minute by minute from start, what the bot sent to a
// group: new messages, of which lists, and edits.
func explainGroup(b *testing.B, calls []telegramtest.Call, chat int64, start time.Time) {
	b.Helper()
	type minute struct{ sent, lists, edits, failed int }
	var minutes []minute
	for _, c := range calls {
		if c.ChatID() != chat || c.Time.Before(start) {
			continue
		}
		i := int(c.Time.Sub(start) / time.Minute)
		for len(minutes) <= i {
			minutes = append(minutes, minute{})
		}
		m := &minutes[i]
		switch {
		case !c.OK():
			m.failed++
		case strings.HasPrefix(c.Method, "edit"):
			m.edits++
		default:
			m.sent++
			if strings.Contains(c.Param("text"), "Новые обращения") {
				m.lists++
			}
		}
	}
	for i, m := range minutes {
		b.Logf("group, minute %d: %d sent (%d lists), %d edits, %d refused", i+1, m.sent, m.lists, m.edits, m.failed)
	}
}

// explainLeft logs what the outbox still holds for known chats: by kind,
// private chat or group, attempts and last error.
func explainLeft(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT o.kind || coalesce(' ' || (o.payload->>'Event'), '') || CASE
			WHEN c.appeal_id IS NULL THEN ''
			WHEN c.listed_in <> 0 THEN ', its appeal listed'
			ELSE ', its card posted' END,
			o.chat_id > 0, o.attempts, coalesce(o.last_error, ''), o.next_attempt_at > now(), o.claimed_until > now(), count(*)
		FROM outbox o LEFT JOIN cards c ON c.appeal_id = o.appeal_id AND c.chat_id = o.chat_id
		WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.chat_id IS NOT NULL
		GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 7 DESC LIMIT 20`)
	if err != nil {
		b.Logf("what is left: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, lastErr string
		var private, later bool
		var leased *bool
		var attempts, n int
		if err := rows.Scan(&kind, &private, &attempts, &lastErr, &later, &leased, &n); err != nil {
			b.Logf("what is left: %v", err)
			return
		}
		b.Logf("left: %d × %s (private chat %v, %d attempts, due later %v, leased %v): %.200s", n, kind, private, attempts, later, leased != nil && *leased, lastErr)
	}
}
