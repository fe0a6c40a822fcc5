package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockPath is the file whose exclusive flock serialises Start and Stop
// across processes.
func (c *Cluster) lockPath() string { return filepath.Join(c.dir, ".localpg.lock") }

// usersPath is the file on which every process using the server holds a
// shared flock.
func (c *Cluster) usersPath() string { return filepath.Join(c.dir, ".localpg.users") }

// flock opens path and takes a flock on it (how is LOCK_EX or LOCK_SH),
// waiting up to timeout; a zero timeout tries once.
func flock(ctx context.Context, path string, how int, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localpg: unable to open the lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || ctx.Err() != nil || !time.Now().Before(deadline) {
			_ = f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				err = errors.Join(errors.New("another process holds it"), ctx.Err())
			}
			return nil, fmt.Errorf("localpg: unable to lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// funlock releases a lock taken by flock; nil does nothing.
func funlock(f *os.File) {
	if f != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}
}
