package storage_test

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/storage"
)

// senderPID returns the backend pid that holds the sender lock, 0 when
// none.
func senderPID(t *testing.T, db *storage.DB) int {
	t.Helper()
	var pid int
	err := db.Pool().QueryRow(context.Background(), `
		SELECT coalesce(max(pid), 0) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objid::bigint = $2`,
		storage.SenderLockKey>>32, storage.SenderLockKey&0xffffffff).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// closedWithin reports whether ch is closed within d.
func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// Two instances on one database: one takes the sender lock, the other
// is refused while it is held. When the holder's connection is killed
// (as when its host or the network dies, or an admin kills it), the
// holder is told at once and the other takes the lock; a release frees
// it for the first again.
func TestSenderLockHasOneHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.URL(t)
	open := func() *storage.DB {
		db, err := storage.Open(ctx, url, dbtest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	a, b := open().SenderLock(), open().SenderLock()
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	admin := open()

	lostA, releaseA, err := a.Try(ctx)
	if err != nil || lostA == nil {
		t.Fatalf("first try: lost %v, err %v; want the lock", lostA, err)
	}
	for range 2 {
		if lost, _, err := b.Try(ctx); err != nil || lost != nil {
			t.Fatalf("second instance while the first holds it: lost %v, err %v; want refused", lost, err)
		}
	}
	if closedWithin(lostA, 1500*time.Millisecond) {
		t.Fatal("the holder was told it lost the lock while nothing happened (the checks themselves broke it)")
	}

	pid := senderPID(t, admin)
	if pid == 0 {
		t.Fatal("no session holds the lock in pg_locks")
	}
	if _, err := admin.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(lostA, 500*time.Millisecond) {
		t.Fatal("the holder was not told within 0.5 s that its connection was killed")
	}
	releaseA() // after a loss: no effect but closing what is left

	// The server frees the lock as the killed session ends, a moment
	// after it told the holder: a standby gets it at a try soon after.
	var lostB <-chan struct{}
	var releaseB func()
	for deadline := time.Now().Add(2 * time.Second); lostB == nil; time.Sleep(10 * time.Millisecond) {
		if lostB, releaseB, err = b.Try(ctx); err != nil || (lostB == nil && time.Now().After(deadline)) {
			t.Fatalf("the other instance after the holder's connection died: lost %v, err %v; want the lock within 2 s", lostB, err)
		}
	}
	if lost, _, err := a.Try(ctx); err != nil || lost != nil {
		t.Fatalf("the first instance again while the second holds it: lost %v, err %v; want refused", lost, err)
	}
	releaseB()
	if !closedWithin(lostB, 0) {
		t.Fatal("lost is not closed after release")
	}
	lostA, releaseA, err = a.Try(ctx)
	if err != nil || lostA == nil {
		t.Fatalf("after the release: lost %v, err %v; want the lock", lostA, err)
	}
	releaseA()
}

// freezingProxy forwards TCP connections to addr until frozen, then
// passes nothing more either way: a network cut that closes nothing.
type freezingProxy struct {
	ln     net.Listener
	frozen chan struct{}
}

func newFreezingProxy(t *testing.T, addr string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln, frozen: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			t.Cleanup(func() { in.Close(); out.Close() })
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
	return p
}

func (p *freezingProxy) pipe(from, to net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		select {
		case <-p.frozen:
			return // keeps both ends open, passing nothing
		default:
		}
		if n > 0 {
			if _, err := to.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A holder cut off from the database by a network that closes nothing
// (no reset, no FIN: the server may still think it holds the lock) stops
// sending within the check and ping timeout of its last word from the
// server (about 3 s), long before the server drops the connection (10 s
// of silence).
func TestSenderLockLostOnSilentNetwork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u, err := url.Parse(dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newFreezingProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	db, err := storage.Open(ctx, u.String(), dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	lock := db.SenderLock()
	t.Cleanup(lock.Close)
	lost, release, err := lock.Try(ctx)
	if err != nil || lost == nil {
		t.Fatalf("try: lost %v, err %v; want the lock", lost, err)
	}
	defer release()
	if closedWithin(lost, 1500*time.Millisecond) {
		t.Fatal("lost closed while the network was fine")
	}
	close(p.frozen)
	cut := time.Now()
	if !closedWithin(lost, 5*time.Second) {
		t.Fatal("the holder was not told within 5 s that the database went silent")
	}
	took := time.Since(cut)
	if took > 3500*time.Millisecond {
		t.Errorf("the holder noticed the silence after %v, want within about 3 s", took.Round(time.Millisecond))
	}
	t.Logf("the holder noticed the silence after %v", took.Round(time.Millisecond))
}
