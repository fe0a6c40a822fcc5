// Package storage keeps MCU's data in PostgreSQL through pgx/v5: appeals
// and their audit trail, residents (personal data kept apart), staff and
// roles, directions, chat bindings, dialogs, processed updates, the
// outbox and the runs of scheduled jobs. It implements the workflow's
// Store and Tx and the scheduler's Store; SQL lives here and nowhere else.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mcu/workflow"
)

// defaultMaxConns is the pool's size unless the URL sets pool_max_conns.
const defaultMaxConns = 30

// DB is the database: a pgx pool and a logger.
type DB struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	// listeners are the outbox's listeners in this process (see wake.go).
	listeners listeners
	// similarWindow is how far apart in time similar appeals are looked
	// for (SetSimilarWindow).
	similarWindow time.Duration
}

// Open connects to the database at url and checks it answers.
func Open(ctx context.Context, url string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to parse database url: %w", redact(err))
	}
	if !strings.Contains(url, "pool_max_conns") {
		// Each update in hand holds a connection for its transaction, as
		// does each dispatcher worker and the outbox listener: pgxpool's
		// default (4 on a 2-core machine) would make them queue.
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("storage: unable to reach database: %w", err)
	}
	return &DB{pool: pool, logger: logger, similarWindow: DefaultSimilarWindow}, nil
}

// redact drops the parse error's details, which may quote a password.
func redact(err error) error {
	var pe *pgconnParseError
	if errors.As(err, &pe) {
		return errors.New("malformed connection string")
	}
	return err
}

// Close closes the pool, waiting for connections in use to be released.
func (db *DB) Close() { db.pool.Close() }

// Pool returns the underlying pool, for tests and health checks.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("storage: unable to ping database: %w", err)
	}
	return nil
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise. Inside the handling of an update (HandleUpdate) it is a
// savepoint of the update's transaction: fn's writes are undone when it
// fails, and commit with the update's.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx workflow.Tx) error) error {
	return db.inTx(ctx, func(ctx context.Context, t *Tx) error { return fn(ctx, t) })
}

// InTxStore is InTx for callers that need the whole storage Tx, not only
// the workflow's part of it.
func (db *DB) InTxStore(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return db.inTx(ctx, fn)
}

func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, t *Tx) error) (err error) {
	var ptx pgx.Tx
	woke := new(bool) // whether the transaction enqueued for the dispatcher
	u := updateFrom(ctx)
	if u != nil {
		ptx, err = u.tx.Begin(ctx) // a savepoint
		woke = &u.woke
	} else {
		ptx, err = db.pool.BeginTx(ctx, pgx.TxOptions{})
	}
	if err != nil {
		return fmt.Errorf("storage: unable to begin transaction: %w", mapError(err))
	}
	defer db.rollbackOnError(ctx, ptx, &err)
	if err := fn(ctx, &Tx{tx: ptx, similarWindow: db.similarWindow, db: db, woke: woke}); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("storage: unable to commit: %w", mapError(err))
	}
	if u == nil && *woke {
		db.listeners.wake()
	}
	return nil
}

// rollbackOnError rolls tx back when *err is set (deferred by those who
// begin a transaction or a savepoint).
func (db *DB) rollbackOnError(ctx context.Context, tx pgx.Tx, err *error) {
	if *err == nil {
		return
	}
	if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
		db.logger.WarnContext(ctx, "rollback failed", "error", rbErr)
	}
}

// Tx is one transaction. It implements workflow.Tx and more.
type Tx struct {
	tx            pgx.Tx
	similarWindow time.Duration
	db            *DB
	// woke is set when the transaction enqueued messages for a
	// dispatcher of this process, which is woken after the commit (see
	// wakeDispatcher).
	woke *bool
}

func parseConnConfig(url string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to parse database url: %w", redact(err))
	}
	return cfg, nil
}
