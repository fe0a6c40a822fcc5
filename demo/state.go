package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"mcu/internal/telegramtest"
)

// LoadState loads the Telegram test server's chats saved at path, if
// there are any; it reports whether there were.
func LoadState(srv *telegramtest.Server, path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo: open saved chats: %w", err)
	}
	defer f.Close()
	if err := srv.LoadState(f); err != nil {
		return false, fmt.Errorf("demo: %s: %w", path, err)
	}
	return true, nil
}

// KeepState saves the server's chats to path whenever they change (at
// most every interval) and once more when ctx ends, so that a restarted
// demo shows the same chats. It returns when it has saved the last time.
func KeepState(ctx context.Context, srv *telegramtest.Server, path string, interval time.Duration, logger *slog.Logger) {
	var last []byte
	save := func() {
		var buf bytes.Buffer
		if err := srv.SaveState(&buf); err != nil {
			logger.Error("demo: save chats", "error", err)
			return
		}
		if bytes.Equal(buf.Bytes(), last) {
			return
		}
		if err := writeAtomically(path, buf.Bytes()); err != nil {
			logger.Error("demo: save chats", "error", err)
			return
		}
		last = buf.Bytes()
	}
	for {
		changed := srv.Changed()
		select {
		case <-ctx.Done():
			save()
			return
		case <-changed:
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
		save()
	}
}

// writeAtomically replaces path with data: a crash leaves the old file
// or the new one, never half of one.
func writeAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".chats-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
