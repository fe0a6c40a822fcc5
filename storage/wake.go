package storage

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// listeners are the outbox's listeners in this process (ListenOutbox).
// While there is one, what this process enqueues wakes them in process
// after its commit, instead of by NOTIFY: a NOTIFY costs the committing
// transaction a lock that every other notifying commit of the server
// waits for, and the listening connection a round trip, on every update.
// Another process's dispatcher is still woken by its own enqueues'
// NOTIFY, and any dispatcher looks at the outbox every Poll anyway.
type listeners struct {
	mu    sync.Mutex
	wakes map[chan<- struct{}]struct{}
}

// add makes wake a listener until the returned func is called.
func (l *listeners) add(wake chan<- struct{}) (remove func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wakes == nil {
		l.wakes = map[chan<- struct{}]struct{}{}
	}
	l.wakes[wake] = struct{}{}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.wakes, wake)
	}
}

// any reports whether the process has a listener.
func (l *listeners) any() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.wakes) > 0
}

// wake signals every listener of the process.
func (l *listeners) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for w := range l.wakes {
		signal(w)
	}
}

// wakeDispatcher has the dispatcher look at the outbox once t commits:
// with a listener in this process, it is woken after the commit; without
// one, b gets the NOTIFY that wakes another process's.
func (t *Tx) wakeDispatcher(b *pgx.Batch) {
	if t.db.listeners.any() {
		*t.woke = true
		return
	}
	b.Queue(`SELECT pg_notify($1, '')`, outboxChannel)
}

// wakeDispatcher is Tx.wakeDispatcher for a statement run with ctx (see
// q): in the update's transaction, the wake-up follows its commit; alone,
// call the returned func once the statement has run.
func (db *DB) wakeDispatcher(ctx context.Context, b *pgx.Batch) (after func()) {
	if !db.listeners.any() {
		b.Queue(`SELECT pg_notify($1, '')`, outboxChannel)
		return func() {}
	}
	if u := updateFrom(ctx); u != nil {
		u.woke = true
		return func() {}
	}
	return db.listeners.wake
}
