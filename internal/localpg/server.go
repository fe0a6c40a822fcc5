package localpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	logTailLines   = 20
	logTailMaxRead = 64 << 10
)

// ensureRunning starts the server unless it already runs.
func (c *Cluster) ensureRunning(ctx context.Context, timeout time.Duration) error {
	running, err := c.status(ctx)
	if err != nil {
		return err
	}
	// A postmaster that died but is not yet reaped (a zombie) still
	// counts as running for pg_ctl and PostgreSQL: wait for its end, and
	// ask pg_ctl again once it is gone (it may be reaped between pg_ctl's
	// answer and the look at /proc).
	for deadline := time.Now().Add(timeout); running && c.postmasterExited(); {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("localpg: unable to start PostgreSQL in %s: its previous server process died but has not been reaped by its parent (a zombie)", c.dataDir)
		}
		time.Sleep(100 * time.Millisecond)
		if running, err = c.status(ctx); err != nil {
			return err
		}
	}
	if !running {
		err := c.start(ctx, timeout)
		if err == nil {
			c.started = true
			c.setURL(c.socketDir, port)
			if err := c.writeOwner(); err != nil {
				c.logger.Warn("a later start will not know this process started local PostgreSQL", "error", err)
			}
			return nil
		}
		// Lost a race with a server started meanwhile (not by a Start of
		// this package, which holds the lock)?
		if running, serr := c.status(ctx); serr != nil || !running {
			return err
		}
	}
	socketDir, p, err := c.readPidFile()
	if err != nil {
		return err
	}
	c.setURL(socketDir, p)
	if gone, owner := c.ownerGone(); gone {
		// Left by an mcu that died (a crash, kill -9): nobody else would
		// ever stop it, so it is ours now.
		c.started = true
		if err := c.writeOwner(); err != nil {
			c.logger.Warn("a later start will not know this process owns local PostgreSQL", "error", err)
		}
		c.logger.Warn("adopting a PostgreSQL server left running by an mcu process that is gone; it will be stopped on exit",
			"data_dir", c.dataDir, "socket_dir", socketDir, "dead_owner_pid", owner)
		return nil
	}
	c.logger.Warn("reusing a PostgreSQL server that was already running (started by another process that still runs, or not by mcu); it will not be stopped on exit",
		"data_dir", c.dataDir, "socket_dir", socketDir)
	return nil
}

// status runs pg_ctl status: true when a server runs.
func (c *Cluster) status(ctx context.Context) (bool, error) {
	out, err := c.run(ctx, c.pgctl, "status", "-D", c.dataDir)
	if err == nil {
		return true, nil
	}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() == 3 {
		return false, nil
	}
	return false, fmt.Errorf("localpg: unable to check the state of PostgreSQL in %s: %w%s", c.dataDir, err, indent("pg_ctl", out))
}

// start runs pg_ctl start and waits until the server accepts connections.
func (c *Cluster) start(ctx context.Context, timeout time.Duration) error {
	f, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("localpg: unable to open the server log: %w", err)
	}
	size, _ := f.Seek(0, io.SeekEnd)
	_ = f.Close()
	if err := c.chown(c.logFile); err != nil {
		return err
	}
	begin := time.Now()
	c.logger.Info("starting local PostgreSQL", "data_dir", c.dataDir, "log_file", c.logFile)
	cctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	out, err := c.run(cctx, c.pgctl, "start", "-D", c.dataDir, "-l", c.logFile, "-w", "-t", seconds(timeout))
	if err != nil {
		if ctx.Err() != nil || cctx.Err() != nil {
			// pg_ctl was killed, but the server may be coming up.
			sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
			defer scancel()
			_, _ = c.run(sctx, c.pgctl, "stop", "-D", c.dataDir, "-m", "fast", "-w")
		}
		return fmt.Errorf("localpg: unable to start PostgreSQL in %s: %w%s%s", c.dataDir, err, indent("pg_ctl", out), c.logTail(size))
	}
	c.logger.Info("local PostgreSQL started", "data_dir", c.dataDir, "elapsed", time.Since(begin).Round(time.Millisecond))
	return nil
}

// stopServer runs pg_ctl stop -m fast and waits.
func (c *Cluster) stopServer(ctx context.Context) error {
	begin := time.Now()
	out, err := c.run(ctx, c.pgctl, "stop", "-D", c.dataDir, "-m", "fast", "-w", "-t", seconds(stopTimeout))
	if err != nil {
		if running, serr := c.status(ctx); serr == nil && !running {
			c.logger.Warn("local PostgreSQL was already stopped", "data_dir", c.dataDir, "output", out)
			return nil
		}
		return fmt.Errorf("localpg: unable to stop PostgreSQL in %s: %w%s", c.dataDir, err, indent("pg_ctl", out))
	}
	c.removeOwner()
	c.logger.Info("local PostgreSQL stopped", "data_dir", c.dataDir, "elapsed", time.Since(begin).Round(time.Millisecond))
	return nil
}

// postmasterExited reports whether the process named in postmaster.pid
// has exited: a zombie not reaped yet, or gone from /proc altogether
// (Linux only; false elsewhere).
func (c *Cluster) postmasterExited() bool {
	pid := c.postmasterPID()
	if pid == 0 {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist) && dirExists("/proc/self")
	}
	_, state, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(state, "Z")
}

// logTail returns the last lines of the server log written after offset
// (all of the log's end when offset < 0), formatted for an error.
func (c *Cluster) logTail(offset int64) string {
	f, err := os.Open(c.logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	from := max(fi.Size()-logTailMaxRead, offset, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, from, fi.Size()-from))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return indent("server log "+c.logFile, strings.Join(lines, "\n"))
}

// dirExists reports whether path is a directory.
func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
