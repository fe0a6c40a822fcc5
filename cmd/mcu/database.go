package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"mcu/internal/localpg"
	"mcu/storage"
)

// database is the opened, migrated database and, when MCU_DATABASE_URL is
// empty, the private cluster it runs in.
type database struct {
	*storage.DB
	cluster *localpg.Cluster
	logger  *slog.Logger
}

// openDatabase starts the private cluster when no URL is configured,
// applies the migrations and opens the pool. An unreachable database is a
// configuration error naming MCU_DATABASE_URL.
func openDatabase(ctx context.Context, cfg *Config, logger *slog.Logger) (*database, error) {
	d := &database{logger: logger}
	url := cfg.DatabaseURL
	if url == "" {
		cluster, err := localpg.Start(ctx, localpg.Options{Dir: cfg.DataDir, Logger: logger})
		if err != nil {
			if errors.Is(err, localpg.ErrNoBinaries) {
				return nil, bad("MCU_DATABASE_URL", "is empty and no local PostgreSQL to start: %v", err)
			}
			return nil, fmt.Errorf("start local database in %s: %w", cfg.DataDir, err)
		}
		d.cluster = cluster
		url = cluster.URL()
		logger.Info("using the private database cluster", "data_dir", cfg.DataDir)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	db, err := storage.Open(pingCtx, url, logger)
	if err != nil {
		d.close()
		if cfg.DatabaseURL != "" {
			return nil, bad("MCU_DATABASE_URL", "database unreachable: %v", err)
		}
		return nil, err
	}
	d.DB = db
	if err := storage.Migrate(ctx, url, logger); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// close closes the pool, then stops the private cluster if this process
// started it.
func (d *database) close() {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.cluster.Stop(ctx); err != nil {
			d.logger.Error("stop local database", "error", err)
		}
	}
}
