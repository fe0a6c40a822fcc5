package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
		if err := checkDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
		cluster, err := localpg.Start(ctx, localpg.Options{Dir: cfg.DataDir, Logger: logger})
		if err != nil {
			if errors.Is(err, localpg.ErrNoBinaries) {
				return nil, bad("MCU_DATABASE_URL", "is empty and no local PostgreSQL to start: %v", err)
			}
			if errors.Is(err, localpg.ErrDataDir) {
				return nil, bad("MCU_DATA_DIR", "%v", err)
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
	db.SetSimilarWindow(cfg.SimilarWindow)
	d.DB = db
	if err := storage.Migrate(ctx, url, logger); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// checkDataDir makes sure MCU_DATA_DIR can hold the private cluster
// before anything starts: it is a directory this process can write in,
// or, when missing, its nearest existing parent is one (the cluster
// makes it). Whether the server's own account can reach it (mcu as root)
// is for localpg to say (ErrDataDir).
func checkDataDir(dir string) error {
	probe := dir
	for {
		fi, err := os.Stat(probe)
		if errors.Is(err, fs.ErrNotExist) && filepath.Dir(probe) != probe {
			probe = filepath.Dir(probe)
			continue
		}
		if err != nil {
			return bad("MCU_DATA_DIR", "%v", err)
		}
		if !fi.IsDir() {
			return bad("MCU_DATA_DIR", "%s is not a directory", probe)
		}
		break
	}
	f, err := os.CreateTemp(probe, ".mcu-write-check-*")
	if err != nil {
		return bad("MCU_DATA_DIR", "cannot write in %s: %v", probe, err)
	}
	name := f.Name()
	if err := errors.Join(f.Close(), os.Remove(name)); err != nil {
		return bad("MCU_DATA_DIR", "cannot write in %s: %v", probe, err)
	}
	return nil
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
