// Package dbtest gives each test its own fresh, migrated PostgreSQL
// database, cloned in milliseconds from a template that pgtestdb migrates
// once per set of migrations. A failed test keeps its database and logs its
// URL; a passed one drops it.
//
// The server is MCU_TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/common"

	"mcu/migrations"
	"mcu/storage"
)

// DefaultServer is the PostgreSQL server tests use unless
// MCU_TEST_DATABASE_URL says otherwise.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// migrator migrates pgtestdb's template with the embedded migrations.
type migrator struct{}

func (migrator) Hash() (string, error) {
	return common.HashDirs(migrations.FS, "*.sql", ".")
}

func (migrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	return storage.MigrateDB(ctx, db, nil)
}

func serverConfig(tb testing.TB) pgtestdb.Config {
	tb.Helper()
	raw := os.Getenv("MCU_TEST_DATABASE_URL")
	if raw == "" {
		raw = DefaultServer
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("dbtest: MCU_TEST_DATABASE_URL: %v", err)
	}
	pass, _ := u.User.Password()
	db := u.Path
	if len(db) > 0 && db[0] == '/' {
		db = db[1:]
	}
	return pgtestdb.Config{
		DriverName:                "pgx",
		Host:                      u.Hostname(),
		Port:                      u.Port(),
		User:                      u.User.Username(),
		Password:                  pass,
		Database:                  db,
		Options:                   u.RawQuery,
		ForceTerminateConnections: true,
	}
}

// URL returns the URL of a fresh migrated database for this test.
func URL(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.Custom(tb, serverConfig(tb), migrator{}).URL()
}

// EmptyURL returns the URL of a fresh database with no schema at all, for
// tests of migrations themselves.
func EmptyURL(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.Custom(tb, serverConfig(tb), pgtestdb.NoopMigrator{}).URL()
}

// New opens a fresh migrated database for this test, closed at cleanup.
func New(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), URL(tb), Logger(tb))
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// Logger returns a logger writing to the test's log. Lines logged by
// goroutines after the test has finished are dropped, not a panic.
func Logger(tb testing.TB) *slog.Logger {
	w := &tbWriter{tb: tb}
	tb.Cleanup(func() { w.done.Store(true) })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct {
	tb   testing.TB
	done atomic.Bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

// Exec runs SQL on a fresh connection, failing the test on error.
func Exec(tb testing.TB, db *storage.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.Pool().Exec(context.Background(), query, args...); err != nil {
		tb.Fatalf("dbtest: %s: %v", query, fmt.Errorf("exec: %w", err))
	}
}

// TablesHolding returns the tables of db's schema with a row whose text
// (the whole row cast to text) holds s: where a person's words or ids are
// still kept.
func TablesHolding(tb testing.TB, db *storage.DB, s string) []string {
	tb.Helper()
	ctx := context.Background()
	rows, err := db.Pool().Query(ctx, `
		SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		tb.Fatalf("dbtest: tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tb.Fatalf("dbtest: tables: %v", err)
		}
		tables = append(tables, name)
	}
	var out []string
	for _, table := range tables {
		var n int
		q := `SELECT count(*) FROM "` + table + `" t WHERE t::text LIKE '%' || $1 || '%'`
		if err := db.Pool().QueryRow(ctx, q, s).Scan(&n); err != nil {
			tb.Fatalf("dbtest: %s: %v", table, err)
		}
		if n > 0 {
			out = append(out, table)
		}
	}
	return out
}
