package main

import (
	"context"
	"log/slog"
)

// migrate applies the migrations and exits.
func migrate(ctx context.Context, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := LoadConfig(getenv, false)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.close()
	logger.Info("database is up to date")
	return nil
}
