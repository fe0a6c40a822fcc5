// Package localpg runs a private PostgreSQL cluster for mcu when
// MCU_DATABASE_URL is empty.
//
// The cluster lives in a directory (MCU_DATA_DIR, "data" by default):
//
//	<dir>/postgres/       the cluster (PGDATA), created by initdb on first use
//	<dir>/run/            the Unix socket directory, mode 0700
//	<dir>/postgres.log    the server log (pg_ctl -l)
//	<dir>/.localpg.lock   serialises Start and Stop across processes (flock)
//	<dir>/.localpg.users  shared flock held by every process using the server
//	<dir>/.localpg.owner  the mcu process that started the running server
//
// It uses the machine's initdb and pg_ctl (see [FindBinaries]). The server
// listens on no TCP address at all (listen_addresses is empty), only on a Unix
// socket in <dir>/run. The superuser is "mcu" and local connections use
// trust authentication: there is no password, and access is limited by the
// file system instead, since the socket directory is mode 0700 and owned by
// the account that runs the server (and the socket itself is 0700 too).
// Only that account and root can connect.
//
// PostgreSQL refuses to run as root. When mcu runs as root (euid 0) the
// server programs run as the "postgres" system user: <dir>/postgres,
// <dir>/run and the log file are owned by it, and every parent directory of
// <dir> must be traversable by it.
//
// The settings above are written at every start to <dir>/postgres/mcu.conf,
// which postgresql.conf includes, so a moved directory keeps working.
// [Start] reuses an existing cluster and an already running server (for
// example one left behind by a process that crashed, or started by another
// mcu process using the same directory). The process that starts the
// server names itself in <dir>/.localpg.owner (pid and start time, with
// the postmaster's pid).
// [Cluster.Stop] stops the server only if this process started it, or the
// owner it names is gone, and no other process is still using it (every
// [Cluster] holds a shared lock on <dir>/.localpg.users); otherwise the
// server is left running and the next Start reuses it. A Start that finds
// a server whose owner is gone (an mcu killed or crashed) adopts it: it
// becomes the owner and stops the server on exit.
package localpg

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

const (
	// DatabaseName is the database that Start creates when missing and
	// that [Cluster.URL] points at.
	DatabaseName = "mcu"
	// SuperUser is the cluster's superuser, the role of [Cluster.URL].
	SuperUser = "mcu"
	// DefaultStartTimeout is how long Start waits for the server to accept
	// connections when [Options.StartTimeout] is zero.
	DefaultStartTimeout = 60 * time.Second

	stopTimeout = 60 * time.Second
)

// Options configures [Start].
type Options struct {
	// Dir is the directory holding the cluster (Dir/postgres), its socket
	// directory (Dir/run) and its log (Dir/postgres.log). Relative paths
	// are made absolute. Empty means "data", the default of MCU_DATA_DIR.
	Dir string
	// Logger receives progress messages; nil means slog.Default().
	Logger *slog.Logger
	// BinDir, when not empty, is the only directory searched for initdb
	// and pg_ctl. See [FindBinaries].
	BinDir string
	// StartTimeout bounds the wait for the server to accept connections;
	// zero means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Cluster is a private PostgreSQL cluster in a directory, running and
// reachable through [Cluster.URL]. Its methods are safe for concurrent use.
type Cluster struct {
	dir       string
	dataDir   string
	socketDir string
	logFile   string
	pgctl     string
	major     string
	runAs     *account // nil when the server runs as the current user
	logger    *slog.Logger
	url       string

	mu      sync.Mutex
	started bool     // this process started the server and must stop it
	users   *os.File // holds the shared lock on .localpg.users until Stop
	stopped bool
}

// Start makes sure a cluster exists in opts.Dir (running initdb if
// needed), that its server runs (starting it with pg_ctl if needed and
// waiting until it accepts connections) and that the database "mcu"
// exists. The caller must call [Cluster.Stop] on exit.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	c, err := newCluster(opts)
	if err != nil {
		return nil, err
	}
	initdb, err := c.findPrograms(ctx, opts.BinDir)
	if err != nil {
		return nil, err
	}
	if err := c.prepareDir(); err != nil {
		return nil, dataDirError{err}
	}
	lock, err := flock(ctx, c.lockPath(), syscall.LOCK_EX, opts.StartTimeout)
	if err != nil {
		return nil, err
	}
	defer funlock(lock)

	if err := c.ensureCluster(ctx, initdb); err != nil {
		return nil, err
	}
	if err := c.ensureReady(ctx, opts.StartTimeout); err != nil {
		return nil, err
	}
	c.logger.Info("local PostgreSQL ready", "data_dir", c.dataDir, "url", c.url,
		"version", c.major, "started_here", c.started)
	return c, nil
}

// withDefaults returns o with the defaults in place of empty fields: the
// default logger, DefaultStartTimeout and the directory "data".
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.Dir == "" {
		o.Dir = "data"
	}
	return o
}

// newCluster returns the Cluster of opts.Dir, made absolute, with its
// paths and the account that runs the server. It checks that PostgreSQL
// can use the socket directory, and creates nothing.
func newCluster(opts Options) (*Cluster, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: unable to resolve the data directory %q: %w", opts.Dir, err)
	}
	c := &Cluster{
		dir:       dir,
		dataDir:   filepath.Join(dir, "postgres"),
		socketDir: filepath.Join(dir, "run"),
		logFile:   filepath.Join(dir, "postgres.log"),
		logger:    opts.Logger.With("component", "localpg"),
	}
	if err := checkSocketDir(c.socketDir); err != nil {
		return nil, err
	}
	if c.runAs, err = serverAccount(); err != nil {
		return nil, err
	}
	return c, nil
}

// ensureReady makes sure the server runs and the database "mcu" exists,
// then takes this process's shared lock on .localpg.users. It must run
// under the start lock. On failure it stops the server if it started it.
func (c *Cluster) ensureReady(ctx context.Context, timeout time.Duration) error {
	if err := c.ensureRunning(ctx, timeout); err != nil {
		return err
	}
	if err := c.ensureDatabase(ctx, timeout); err != nil {
		if c.started {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
			defer cancel()
			_ = c.stopServer(stopCtx)
		}
		return err
	}
	// Still under the start lock, so no Stop elsewhere can miss us.
	var err error
	if c.users, err = flock(ctx, c.usersPath(), syscall.LOCK_SH, timeout); err != nil {
		if c.started {
			_ = c.stopServer(context.WithoutCancel(ctx))
		}
		return err
	}
	return nil
}

// URL returns a pgx connection URL for the database "mcu" as the superuser
// "mcu" through the Unix socket, such as
// postgres:///mcu?host=%2Fsrv%2Fmcu%2Fdata%2Frun&port=5432&sslmode=disable&user=mcu.
func (c *Cluster) URL() string { return c.url }

// Stop stops the server with pg_ctl stop -m fast and waits for it to exit,
// if this process started it and no other process uses it; otherwise it
// leaves the server running (a server that was already running when Start
// was called, or one that another mcu process reuses). Calls after the
// first do nothing, and Stop on a nil Cluster returns nil.
func (c *Cluster) Stop(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	lock, err := flock(ctx, c.lockPath(), syscall.LOCK_EX, stopTimeout)
	funlock(c.users)
	c.users = nil
	if err != nil {
		return err
	}
	defer funlock(lock)
	if !c.started {
		// The process that started it may have died since (a crash, or
		// it left the server to us because we were still using it).
		gone, owner := c.ownerGone()
		if !gone {
			c.logger.Info("leaving local PostgreSQL running: this process did not start it", "data_dir", c.dataDir)
			return nil
		}
		c.logger.Info("the mcu process that started local PostgreSQL is gone: stopping it unless another process uses it",
			"data_dir", c.dataDir, "dead_owner_pid", owner)
	}
	alone, err := flock(ctx, c.usersPath(), syscall.LOCK_EX, 0)
	if err != nil {
		c.logger.Info("leaving local PostgreSQL running: another process uses it", "data_dir", c.dataDir)
		return nil
	}
	defer funlock(alone)
	return c.stopServer(ctx)
}
