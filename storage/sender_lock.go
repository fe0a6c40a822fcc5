package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SenderLockKey is the key of the PostgreSQL advisory lock (session level,
// pg_try_advisory_lock(bigint)) whose holder is the one instance that
// sends the outbox: the bytes of "mcu-send". Advisory locks are per
// database, so one database has one sender. An operator finds the holder
// with
//
//	SELECT a.pid, a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a USING (pid)
//	WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1835234605 AND l.objid = 1936027236;
//
// (classid and objid are the key's high and low 32 bits).
const SenderLockKey int64 = 0x6d63752d73656e64

// The lock's connection is checked every senderCheckEvery: an error from
// it (the server closed it: a restart, pg_terminate_backend, a reset) is
// seen at once, and silence (a network cut) by a ping that has no answer
// within senderPingTimeout. The holder thus gives the lock up within
// senderCheckEvery+senderPingTimeout of the last word from the server.
// The server, for its part, drops the connection — and with it the lock —
// no sooner than after senderServerSilence of silence (TCP keepalives and
// tcp_user_timeout on that connection; ignored on a Unix socket, where no
// silent cut happens), so a holder cut off has stopped before another
// instance can take over.
const (
	senderCheckEvery    = time.Second
	senderPingTimeout   = 2 * time.Second
	senderServerSilence = 10 * time.Second
)

// SenderLock takes the outbox sender's lock for one instance; get it with
// DB.SenderLock. Between tries it keeps one connection open (not one of
// the pool's), on which the next try asks again; a try that wins turns
// that connection into the lease's, held until released or lost.
// Methods are safe for concurrent use.
type SenderLock struct {
	db *DB

	mu   sync.Mutex
	idle *pgx.Conn // the standby's connection, between tries
}

// SenderLock returns the outbox sender's lock of this database.
func (db *DB) SenderLock() *SenderLock { return &SenderLock{db: db} }

// Try takes the lock if no session holds it. It returns lost == nil when
// another holds it. Otherwise this instance is the sender until lost is
// closed: at once when the lock's connection breaks (whoever takes over
// next cannot be known, so the holder must stop sending then), or when
// release is called, which closes the connection (and so frees the lock
// for the others) and returns once it is closed.
func (l *SenderLock) Try(ctx context.Context) (lost <-chan struct{}, release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.idle == nil {
		conn, err := l.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		l.idle = conn
	}
	var got bool
	if err := l.idle.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, SenderLockKey).Scan(&got); err != nil {
		closeConn(l.idle)
		l.idle = nil
		return nil, nil, fmt.Errorf("storage: unable to try the sender lock: %w", err)
	}
	if !got {
		return nil, nil, nil
	}
	ls := &senderLease{conn: l.idle, lost: make(chan struct{}), done: make(chan struct{}), logger: l.db.logger}
	l.idle = nil
	leaseCtx, stop := context.WithCancel(context.Background())
	ls.stop = stop
	go ls.watch(leaseCtx)
	return ls.lost, ls.release, nil
}

// Close closes the standby's connection, if any. A lease given out is
// not affected.
func (l *SenderLock) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.idle != nil {
		closeConn(l.idle)
		l.idle = nil
	}
}

// connect opens a connection of its own with the pool's settings, named
// in pg_stat_activity, that the server drops after senderServerSilence
// without an answer from this side.
func (l *SenderLock) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := l.db.pool.Config().ConnConfig.Copy()
	silence := senderServerSilence
	for k, v := range map[string]string{
		"application_name":        "mcu outbox sender",
		"tcp_keepalives_idle":     fmt.Sprint(int(silence.Seconds())),
		"tcp_keepalives_interval": "2",
		"tcp_keepalives_count":    "3",
		"tcp_user_timeout":        fmt.Sprint(silence.Milliseconds()),
	} {
		cfg.RuntimeParams[k] = v
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to connect for the sender lock: %w", err)
	}
	return conn, nil
}

// closeConn closes a connection, waiting at most a second for the server.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// senderLease is the lock held on conn.
type senderLease struct {
	conn     *pgx.Conn
	lost     chan struct{} // closed when the lock is no longer held
	done     chan struct{} // closed when the connection is closed
	stop     context.CancelFunc
	logger   *slog.Logger
	lostOnce sync.Once
}

// watch waits on the connection for anything the server says (only an
// error or its closing are possible: nothing listens), pings it after
// each senderCheckEvery of silence, and closes lost at the first sign
// that the connection is gone, or when released.
func (s *senderLease) watch(ctx context.Context) {
	defer close(s.done)
	defer closeConn(s.conn)
	defer s.markLost()
	for {
		wait, cancel := context.WithTimeout(ctx, senderCheckEvery)
		err := s.conn.PgConn().WaitForNotification(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			s.unlock()
			return // released
		case err != nil && !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded):
			s.logger.Warn("outbox: the sender lock's connection broke; this instance stops sending", "error", err)
			return
		}
		ping, cancel := context.WithTimeout(ctx, senderPingTimeout)
		err = s.conn.Ping(ping)
		cancel()
		switch {
		case ctx.Err() != nil:
			s.unlock()
			return
		case err != nil:
			s.logger.Warn("outbox: the sender lock's connection does not answer; this instance stops sending", "error", err)
			return
		}
	}
}

// unlock gives the lock up before the connection closes, so that it is
// free when release returns (closing alone frees it a little later, when
// the server has ended the session).
func (s *senderLease) unlock() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, SenderLockKey); err != nil {
		s.logger.Warn("outbox: unable to release the sender lock; closing its connection frees it", "error", err)
	}
}

func (s *senderLease) markLost() { s.lostOnce.Do(func() { close(s.lost) }) }

// release stops sending on this lease (lost closes first), gives the lock
// up and closes its connection.
func (s *senderLease) release() {
	s.markLost()
	s.stop()
	<-s.done
}
