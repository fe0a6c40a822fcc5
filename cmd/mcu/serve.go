package main

import (
	"context"
	"errors"
	"log/slog"
)

// serve runs the bot, the dispatcher, the scheduler and the HTTP
// endpoints until ctx ends or one of them stops by itself, then stops them
// in order (see Main.Close).
func serve(ctx context.Context, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := LoadConfig(getenv, true)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Logger: logger}
	if err := m.Run(ctx); err != nil {
		m.Close()
		if ctx.Err() != nil {
			return nil // stopped while starting (Telegram unreachable, say)
		}
		return err
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	err = m.Close()
	if ctx.Err() == nil && err == nil {
		return errors.New("stopped unexpectedly")
	}
	return err
}
