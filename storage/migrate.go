package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"mcu/migrations"
)

// Migrate applies the embedded migrations to the database at url. A
// PostgreSQL advisory lock held for the whole run makes concurrent starts
// of several instances apply each migration once. It refuses a database
// whose schema is newer than this binary knows.
func Migrate(ctx context.Context, url string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := parseConnConfig(url)
	if err != nil {
		return err
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	return migrateDB(ctx, sqlDB, logger)
}

func migrateDB(ctx context.Context, sqlDB *sql.DB, logger *slog.Logger) error {
	// Another instance migrating holds the lock: try every second, for up to
	// five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("storage: unable to create migration lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("storage: unable to load migrations: %w", err)
	}
	current, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("storage: unable to read schema version: %w", err)
	}
	sources := provider.ListSources()
	if n := len(sources); n > 0 && current > sources[n-1].Version {
		return fmt.Errorf("storage: database schema version %d is newer than this binary knows (%d): run a newer mcu",
			current, sources[n-1].Version)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("storage: unable to migrate: %w", err)
	}
	for _, r := range results {
		logger.InfoContext(ctx, "migration applied", "version", r.Source.Version,
			"file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// MigrateDB applies the migrations through an open database/sql handle
// (for test helpers that get one).
func MigrateDB(ctx context.Context, sqlDB *sql.DB, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return migrateDB(ctx, sqlDB, logger)
}
