package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mcu/internal/loadtest"
	"mcu/internal/telegramtest"
)

// The load and fault tests run mcu serve as a child process (as in
// production: its memory can be read, it can be killed with -9) against
// the Telegram test server over HTTP, and play residents with
// internal/loadtest.

// quietServer starts a Telegram test server that does not log every call
// (a load run makes tens of thousands); strict turns Telegram's limits on
// (timed by the wall clock).
func quietServer(t testing.TB, strict bool) *telegramtest.Server {
	t.Helper()
	opts := telegramtest.Options{Logf: func(string, ...any) {}, WaitTimeout: 30 * time.Second}
	if strict {
		opts.Limits = telegramtest.Limits{On: true, Now: time.Now}
	}
	return telegramtest.MustNew(t, opts)
}

// syncBuffer is a bytes.Buffer safe for a child's stderr and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is mcu serve as a child process; it can be killed and started
// again with the same environment, as a supervisor would.
type child struct {
	t      testing.TB
	bin    string
	env    []string
	addr   string
	cmd    *exec.Cmd
	exited chan error
	stderr *syncBuffer
	starts int
}

// startChild starts mcu serve (bin) against srv and the database at
// dbURL, with extra environment, and waits until it is ready.
func startChild(t testing.TB, bin string, srv *telegramtest.Server, dbURL string, env ...string) *child {
	t.Helper()
	c := &child{t: t, bin: bin, addr: freeAddrTB(t), stderr: &syncBuffer{}}
	c.env = append(os.Environ(),
		"MCU_TELEGRAM_TOKEN="+srv.Token,
		"MCU_TELEGRAM_API_URL="+srv.URL,
		"MCU_DATABASE_URL="+dbURL,
		"MCU_HTTP_ADDR="+c.addr,
	)
	c.env = append(c.env, env...)
	c.start()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			out := c.stderr.String()
			if len(out) > 20000 {
				out = "…" + out[len(out)-20000:]
			}
			t.Logf("mcu serve stderr (%d starts):\n%s", c.starts, out)
		}
	})
	return c
}

// freeAddrTB is freeAddr for tests and benchmarks.
func freeAddrTB(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start starts the process and waits for /readyz.
func (c *child) start() {
	c.t.Helper()
	c.cmd = exec.Command(c.bin, "serve")
	c.cmd.Env = c.env
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.starts++
	exited := make(chan error, 1)
	c.exited = exited
	cmd := c.cmd
	go func() { exited <- cmd.Wait() }()
	c.waitReady(30 * time.Second)
}

// waitReady polls /readyz until it answers 200.
func (c *child) waitReady(within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + c.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case err := <-c.exited:
			c.t.Fatalf("mcu serve exited while starting: %v\n%s", err, c.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.t.Fatalf("mcu serve not ready within %s (last: %s)", within, last)
}

// pid is the process id of the running child.
func (c *child) pid() int { return c.cmd.Process.Pid }

// kill9 kills the child as a crash or kill -9 would, and reaps it.
func (c *child) kill9() {
	c.t.Helper()
	if c.cmd == nil || c.cmd.ProcessState != nil {
		return
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	<-c.exited
}

// kill is kill9 for cleanups.
func (c *child) kill() {
	if c.cmd != nil && c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.exited
	}
}

// stop sends sig and waits (up to 10 s) for a clean exit.
func (c *child) stop(sig syscall.Signal) error {
	if err := c.cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case err := <-c.exited:
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("mcu serve did not exit within 10 s of %v", sig)
	}
}

// exec runs a statement on the database at dbURL.
func execSQL(t testing.TB, dbURL, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// bindDirections makes a group the chat of each direction, as an
// admin's /bind would, and returns them by direction code.
func bindDirections(t testing.TB, srv *telegramtest.Server, dbURL string) map[string]telegramtest.Chat {
	t.Helper()
	groups := map[string]telegramtest.Chat{}
	for _, code := range loadtest.Directions {
		g := srv.NewGroup("Direction " + code)
		execSQL(t, dbURL, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, direction, bound_by) VALUES ($1, 0, 'direction', $2, 0)`, g.ID, code)
		groups[code] = g
	}
	return groups
}

// queryInt runs a query that returns one number, retrying for a while
// when the database is away (restarting).
func queryInt(t testing.TB, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	var err error
	for range 50 {
		if err = pool.QueryRow(context.Background(), query, args...).Scan(&n); err == nil {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %v", query, err)
	return 0
}

// openPool opens a small pool for the test's own queries.
func openPool(t testing.TB, dbURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// waitOutboxEmpty waits until no outbox message for a chat is waiting to
// be sent (those for a purpose no chat is bound to wait for a binding),
// and returns how long that took.
func waitOutboxEmpty(t testing.TB, pool *pgxpool.Pool, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if queryInt(t, pool, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`) == 0 {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	n := queryInt(t, pool, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`)
	t.Fatalf("%d outbox messages still waiting after %s:\n%s", n, within, outboxDump(pool))
	return 0
}

// deliveryCheck is what every resident and the direction's chat got.
type deliveryCheck struct {
	numbers       int // residents with a number
	noticeRepeats int // residents who got their number twice
	cardRepeats   int // cards sent twice to the direction's chat
	problems      []string
}

// checkDelivery checks, for the residents who saw a number: the appeal is
// stored once under it, theirs; they got the number once (twice at most,
// a send Telegram accepted just before a crash); its card reached the
// direction's chat once (twice at most likewise); and nobody else has a
// second appeal.
func checkDelivery(t testing.TB, srv *telegramtest.Server, pool *pgxpool.Pool, groups map[string]telegramtest.Chat, done []*loadtest.Resident) deliveryCheck {
	t.Helper()
	var c deliveryCheck
	// Each message as it is now: the dialog edits its summary into the
	// number, and a card is edited in place.
	byChat := map[int64][]string{}
	for _, m := range srv.AllSent() {
		if now, ok := srv.Message(m.Chat.ID, m.MessageID); ok {
			m = now
		}
		byChat[m.Chat.ID] = append(byChat[m.Chat.ID], m.Content())
	}
	count := func(chat int64, number string) int {
		n := 0
		for _, text := range byChat[chat] {
			if strings.Contains(text, number) {
				n++
			}
		}
		return n
	}
	for _, r := range done {
		c.numbers++
		stored := queryInt(t, pool, `SELECT count(*) FROM appeals a JOIN residents r ON r.id = a.resident_id WHERE a.number = $1 AND r.telegram_user_id = $2`, r.Number, r.User.ID)
		if stored != 1 {
			c.problems = append(c.problems, fmt.Sprintf("appeal %s of resident %d stored %d times", r.Number, r.User.ID, stored))
		}
		switch n := count(r.User.ID, r.Number); {
		case n == 2:
			c.noticeRepeats++
		case n != 1:
			c.problems = append(c.problems, fmt.Sprintf("resident %d got number %s %d times", r.User.ID, r.Number, n))
		}
		switch n := count(groups[r.Plan().Direction].ID, r.Number); {
		case n == 2:
			c.cardRepeats++
		case n != 1:
			c.problems = append(c.problems, fmt.Sprintf("the card of %s reached the direction's chat %d times", r.Number, n))
		}
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM (SELECT resident_id FROM appeals GROUP BY resident_id HAVING count(*) > 1) x`); n > 0 {
		c.problems = append(c.problems, fmt.Sprintf("%d residents have more than one appeal", n))
	}
	return c
}

// outboxDump lists the outbox messages waiting, for a failure's output.
func outboxDump(pool *pgxpool.Pool) string {
	rows, err := pool.Query(context.Background(), `SELECT id, coalesce(appeal_id, 0), chat_id, kind, attempts,
		next_attempt_at - now(), last_error, parts::text FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL ORDER BY id LIMIT 30`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, appeal, chat int64
		var kind, lastErr, parts string
		var attempts int
		var next time.Duration
		if err := rows.Scan(&id, &appeal, &chat, &kind, &attempts, &next, &lastErr, &parts); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "\t#%d appeal %d chat %d %s attempts %d next in %s parts %s error %q\n", id, appeal, chat, kind, attempts, next, parts, lastErr)
	}
	return b.String()
}
