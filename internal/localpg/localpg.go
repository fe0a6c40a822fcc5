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
// mcu process using the same directory). [Cluster.Stop] stops the server
// only if this process started it and no other process is still using it
// (every [Cluster] holds a shared lock on <dir>/.localpg.users); otherwise
// the server is left running and the next Start reuses it.
package localpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

	port           = 5432 // only names the socket file; there is no TCP listener
	socketFile     = ".s.PGSQL.5432"
	maxSocketPath  = 107 // sun_path is 108 bytes with the terminating NUL
	confFile       = "mcu.conf"
	includeLine    = "include_if_exists '" + confFile + "'"
	stopTimeout    = 60 * time.Second
	logTailLines   = 20
	logTailMaxRead = 64 << 10
)

// serverUserName is the account the server runs as when mcu runs as root.
// Tests replace it.
var serverUserName = "postgres"

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

// account is the unprivileged user that runs the server when mcu is root.
type account struct {
	name     string
	uid, gid uint32
	home     string
}

// Start makes sure a cluster exists in opts.Dir (running initdb if
// needed), that its server runs (starting it with pg_ctl if needed and
// waiting until it accepts connections) and that the database "mcu"
// exists. The caller must call [Cluster.Stop] on exit.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "localpg")
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	if opts.Dir == "" {
		opts.Dir = "data"
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: unable to resolve the data directory %q: %w", opts.Dir, err)
	}
	c := &Cluster{
		dir:       dir,
		dataDir:   filepath.Join(dir, "postgres"),
		socketDir: filepath.Join(dir, "run"),
		logFile:   filepath.Join(dir, "postgres.log"),
		logger:    logger,
	}
	if err := checkSocketDir(c.socketDir); err != nil {
		return nil, err
	}
	if c.runAs, err = serverAccount(); err != nil {
		return nil, err
	}

	existingMajor, err := readPGVersion(c.dataDir)
	if err != nil {
		return nil, err
	}
	bins, err := findBinaries(ctx, opts.BinDir, existingMajor)
	if err != nil {
		return nil, err
	}
	c.pgctl = bins.pgctl
	if c.major, err = binaryMajor(ctx, bins.pgctl); err != nil {
		return nil, err
	}
	if existingMajor != "" && existingMajor != c.major {
		return nil, fmt.Errorf("localpg: unable to use the cluster in %s: its PG_VERSION says PostgreSQL %s, but the programs found (%s) are PostgreSQL %s; install PostgreSQL %s (or point BinDir at its bin directory), upgrade the cluster with pg_upgrade, or move %s away to start afresh",
			c.dataDir, existingMajor, filepath.Dir(bins.pgctl), c.major, existingMajor, c.dataDir)
	}

	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	lock, err := flock(ctx, c.lockPath(), syscall.LOCK_EX, timeout)
	if err != nil {
		return nil, err
	}
	defer funlock(lock)

	if err := c.checkReachable(ctx); err != nil {
		return nil, err
	}
	// Another process may have created the cluster while we waited.
	if existingMajor, err = readPGVersion(c.dataDir); err != nil {
		return nil, err
	}
	if existingMajor == "" {
		if err := c.initCluster(ctx, bins.initdb); err != nil {
			return nil, err
		}
	} else if err := c.checkOwner(); err != nil {
		return nil, err
	}
	if err := c.writeConf(); err != nil {
		return nil, err
	}
	if err := c.ensureRunning(ctx, timeout); err != nil {
		return nil, err
	}
	if err := c.ensureDatabase(ctx, timeout); err != nil {
		if c.started {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
			defer cancel()
			_ = c.stopServer(stopCtx)
		}
		return nil, err
	}
	// Still under the start lock, so no Stop elsewhere can miss us.
	if c.users, err = flock(ctx, c.usersPath(), syscall.LOCK_SH, timeout); err != nil {
		if c.started {
			_ = c.stopServer(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	logger.Info("local PostgreSQL ready", "data_dir", c.dataDir, "url", c.url,
		"version", c.major, "started_here", c.started)
	return c, nil
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
		c.logger.Info("leaving local PostgreSQL running: this process did not start it", "data_dir", c.dataDir)
		return nil
	}
	alone, err := flock(ctx, c.usersPath(), syscall.LOCK_EX, 0)
	if err != nil {
		c.logger.Info("leaving local PostgreSQL running: another process uses it", "data_dir", c.dataDir)
		return nil
	}
	defer funlock(alone)
	return c.stopServer(ctx)
}

func (c *Cluster) lockPath() string  { return filepath.Join(c.dir, ".localpg.lock") }
func (c *Cluster) usersPath() string { return filepath.Join(c.dir, ".localpg.users") }

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
	c.logger.Info("local PostgreSQL stopped", "data_dir", c.dataDir, "elapsed", time.Since(begin).Round(time.Millisecond))
	return nil
}

// checkSocketDir rejects socket directories that PostgreSQL cannot use.
func checkSocketDir(socketDir string) error {
	if n := len(socketDir) + 1 + len(socketFile); n > maxSocketPath {
		return fmt.Errorf("localpg: unable to use the data directory %s: its socket path %s would be %d bytes long, but a Unix socket path may have at most %d; set MCU_DATA_DIR to a shorter path (at most %d bytes)",
			filepath.Dir(socketDir), filepath.Join(socketDir, socketFile), n, maxSocketPath, maxSocketPath-len(socketFile)-len("/run/"))
	}
	// PostgreSQL reads the directory from a quoted, comma-separated list.
	if strings.ContainsAny(socketDir, "'\",\\") || strings.ContainsFunc(socketDir, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("localpg: unable to use the data directory %s: its path holds a quote, comma, backslash or control character, which PostgreSQL cannot take as a socket directory; set MCU_DATA_DIR to a plainer path", filepath.Dir(socketDir))
	}
	return nil
}

// serverAccount returns the account to run the server as: nil (the
// current user) unless the process is root.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUserName)
	if err != nil {
		return nil, fmt.Errorf("localpg: unable to run PostgreSQL: mcu runs as root, PostgreSQL refuses to run as root, and there is no %q system user to run it as (%w); create one (installing PostgreSQL, e.g. `apt-get install postgresql`, does), run mcu as an unprivileged user, or set MCU_DATABASE_URL",
			serverUserName, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("localpg: unable to read the ids of the user %q: %w", serverUserName, err)
	}
	if uid == 0 {
		return nil, fmt.Errorf("localpg: unable to run PostgreSQL: the user %q has uid 0, and PostgreSQL refuses to run as root; set MCU_DATABASE_URL or run mcu as an unprivileged user", serverUserName)
	}
	return &account{name: u.Username, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir}, nil
}

// readPGVersion returns the content of dataDir/PG_VERSION, "" when the
// cluster does not exist yet.
func readPGVersion(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("localpg: unable to read PG_VERSION: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// prepareDir creates the data directory and the socket directory.
func (c *Cluster) prepareDir() error {
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		// When the server runs as another user, it must traverse Dir.
		perm := os.FileMode(0o700)
		if c.runAs != nil {
			perm = 0o711
		}
		if err := os.MkdirAll(c.dir, perm); err != nil {
			return fmt.Errorf("localpg: unable to create the data directory: %w", err)
		}
		if err := os.Chmod(c.dir, perm); err != nil {
			return fmt.Errorf("localpg: unable to set the mode of the data directory: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("localpg: unable to use the data directory: %w", err)
	}
	if err := os.Mkdir(c.socketDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("localpg: unable to create the socket directory: %w", err)
	}
	if err := os.Chmod(c.socketDir, 0o700); err != nil {
		return fmt.Errorf("localpg: unable to set the mode of the socket directory: %w", err)
	}
	return c.chown(c.socketDir)
}

// checkReachable makes sure the server's account can reach the data
// directory: the child changes into the socket directory after dropping
// root, so the kernel answers, ACLs included.
func (c *Cluster) checkReachable(ctx context.Context) error {
	if c.runAs == nil {
		return nil
	}
	out, err := c.command(ctx, c.pgctl, "--version").CombinedOutput()
	if err == nil {
		return nil
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("localpg: unable to use the data directory %s: the %q user (uid %d), which runs PostgreSQL because mcu runs as root, cannot reach it (running a program there as that user failed: %w)%s; make every parent directory traversable by it (chmod o+x) or set MCU_DATA_DIR to a directory it can reach",
			c.dir, c.runAs.name, c.runAs.uid, err, blockingParentHint(c.dir, c.runAs.uid))
	}
	return fmt.Errorf("localpg: unable to run %s as %q: %w%s", c.pgctl, c.runAs.name, err, indent("output", string(out)))
}

// blockingParentHint names the first parent of dir that others cannot
// traverse, judging by mode bits only.
func blockingParentHint(dir string, uid uint32) string {
	var parents []string
	for p := dir; ; p = filepath.Dir(p) {
		parents = append(parents, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(parents) - 1; i >= 0; i-- {
		fi, err := os.Stat(parents[i])
		if err != nil {
			return ""
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && st.Uid != uid && fi.Mode().Perm()&0o001 == 0 {
			return fmt.Sprintf(" — %s has mode %04o", parents[i], fi.Mode().Perm())
		}
	}
	return ""
}

// checkOwner reports an existing cluster owned by another account than the
// one that runs the server, which PostgreSQL would refuse.
func (c *Cluster) checkOwner() error {
	fi, err := os.Stat(c.dataDir)
	if err != nil {
		return fmt.Errorf("localpg: unable to use the cluster: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	want := uint32(os.Geteuid())
	name := "the current user"
	if c.runAs != nil {
		want, name = c.runAs.uid, fmt.Sprintf("the %q user", c.runAs.name)
	}
	if st.Uid != want {
		return fmt.Errorf("localpg: unable to use the cluster in %s: it is owned by uid %d, but PostgreSQL runs as %s (uid %d) and must own it; chown -R it or run mcu as its owner",
			c.dataDir, st.Uid, name, want)
	}
	return nil
}

// initCluster runs initdb in a scratch directory and renames it into
// place, so a crash never leaves a half-made cluster behind.
func (c *Cluster) initCluster(ctx context.Context, initdb string) error {
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("localpg: unable to create a cluster in %s: the directory is not empty but holds no PG_VERSION; move it away", c.dataDir)
	}
	tmp := c.dataDir + ".initdb"
	begin := time.Now()
	c.logger.Info("creating local PostgreSQL cluster", "data_dir", c.dataDir, "initdb", initdb, "version", c.major)
	base := []string{"-D", tmp, "-U", SuperUser, "--auth=trust", "-E", "UTF8"}
	var out string
	var err error
	for _, locale := range []string{"--locale=C.UTF-8", "--no-locale"} {
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("localpg: unable to remove %s: %w", tmp, err)
		}
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return fmt.Errorf("localpg: unable to create %s: %w", tmp, err)
		}
		if err := c.chown(tmp); err != nil {
			return err
		}
		out, err = c.run(ctx, initdb, append(base, locale)...)
		if err == nil || !strings.Contains(strings.ToLower(out), "locale") {
			break
		}
		c.logger.Warn("initdb failed with the C.UTF-8 locale, retrying with --no-locale", "output", out)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("localpg: unable to create a cluster with initdb: %w%s", err, indent("initdb", out))
	}
	c.logger.Debug("initdb done", "output", out)
	if err := appendLine(filepath.Join(tmp, "postgresql.conf"),
		"\n# Added by mcu (internal/localpg); "+confFile+" is rewritten at every start.\n"+includeLine+"\n"); err != nil {
		return err
	}
	_ = os.Remove(c.dataDir) // an empty directory, if any
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("localpg: unable to move the new cluster into place: %w", err)
	}
	c.logger.Info("local PostgreSQL cluster created", "data_dir", c.dataDir, "elapsed", time.Since(begin).Round(time.Millisecond))
	return nil
}

// writeConf writes mcu.conf with the current paths and makes sure
// postgresql.conf includes it.
func (c *Cluster) writeConf() error {
	main := filepath.Join(c.dataDir, "postgresql.conf")
	b, err := os.ReadFile(main)
	if err != nil {
		return fmt.Errorf("localpg: unable to read postgresql.conf: %w", err)
	}
	if !bytes.Contains(b, []byte(includeLine)) {
		if err := appendLine(main, "\n"+includeLine+"\n"); err != nil {
			return err
		}
	}
	conf := "# Written by mcu (internal/localpg) at every start: edits are lost.\n" +
		"# No TCP at all; only a Unix socket in a private (0700) directory.\n" +
		"listen_addresses = ''\n" +
		"port = " + strconv.Itoa(port) + "\n" +
		"unix_socket_directories = '" + c.socketDir + "'\n" +
		"unix_socket_permissions = 0700\n"
	path := filepath.Join(c.dataDir, confFile)
	if err := os.WriteFile(path+".tmp", []byte(conf), 0o600); err != nil {
		return fmt.Errorf("localpg: unable to write %s: %w", confFile, err)
	}
	if err := c.chown(path + ".tmp"); err != nil {
		return err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("localpg: unable to write %s: %w", confFile, err)
	}
	return nil
}

// ensureRunning starts the server unless it already runs.
func (c *Cluster) ensureRunning(ctx context.Context, timeout time.Duration) error {
	running, err := c.status(ctx)
	if err != nil {
		return err
	}
	// A postmaster that died but is not yet reaped (a zombie) still
	// counts as running for pg_ctl and PostgreSQL: wait for its end.
	for deadline := time.Now().Add(timeout); running && c.postmasterIsZombie(); {
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
	c.logger.Warn("reusing a PostgreSQL server that was already running (left by another or a crashed process); it will not be stopped on exit",
		"data_dir", c.dataDir, "socket_dir", socketDir)
	c.setURL(socketDir, p)
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

// postmasterIsZombie reports whether the process named in postmaster.pid
// has exited but was not reaped yet (Linux only; false elsewhere).
func (c *Cluster) postmasterIsZombie() bool {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, state, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(state, "Z")
}

// readPidFile returns the socket directory and port of a running server
// from postmaster.pid.
func (c *Cluster) readPidFile() (string, int, error) {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return "", 0, fmt.Errorf("localpg: unable to read postmaster.pid of the running server: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return "", 0, fmt.Errorf("localpg: unable to read postmaster.pid of the running server: only %d lines", len(lines))
	}
	p, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return "", 0, fmt.Errorf("localpg: unable to read the port in postmaster.pid: %w", err)
	}
	dir := strings.TrimSpace(lines[4])
	if dir == "" {
		return "", 0, fmt.Errorf("localpg: unable to use the PostgreSQL server already running in %s: it has no Unix socket; stop it (pg_ctl stop -D %s)", c.dataDir, c.dataDir)
	}
	return dir, p, nil
}

func (c *Cluster) setURL(socketDir string, p int) {
	q := url.Values{
		"host":    {socketDir},
		"port":    {strconv.Itoa(p)},
		"user":    {SuperUser},
		"sslmode": {"disable"}, // over PGSSLMODE: no TLS on a Unix socket
	}
	c.url = "postgres:///" + DatabaseName + "?" + q.Encode()
}

// ensureDatabase connects to the "postgres" database, retrying while the
// server comes up, and creates the database "mcu" when missing.
func (c *Cluster) ensureDatabase(ctx context.Context, timeout time.Duration) error {
	u, err := url.Parse(c.url)
	if err != nil {
		return fmt.Errorf("localpg: unable to parse the URL: %w", err)
	}
	u.Path = "/postgres"
	deadline := time.Now().Add(timeout)
	var conn *pgx.Conn
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err = pgx.Connect(cctx, u.String())
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("localpg: unable to connect to PostgreSQL through %s: %w%s", c.url, err, c.logTail(-1))
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", DatabaseName).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: unable to look for the database %q: %w", DatabaseName, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{DatabaseName}.Sanitize())
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "42P04" { // duplicate_database
		err = nil
	}
	if err != nil {
		return fmt.Errorf("localpg: unable to create the database %q: %w", DatabaseName, err)
	}
	c.logger.Info("database created", "database", DatabaseName)
	return nil
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

// command builds a command that runs as the server's account.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	// Own process group: a Ctrl-C on the terminal reaches mcu, which then
	// stops the server in order, and not the server directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		// PGDATA, PGPORT, PGHOST, ... must not steer our cluster.
		if strings.HasPrefix(kv, "PG") || (c.runAs != nil && strings.HasPrefix(kv, "HOME=")) {
			continue
		}
		env = append(env, kv)
	}
	if c.runAs != nil {
		env = append(env, "HOME="+c.runAs.home)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.runAs.uid, Gid: c.runAs.gid}
		cmd.Dir = c.socketDir // the child's working directory must be reachable by it
	}
	cmd.Env = env
	return cmd
}

// run runs a command as the server's account and returns its output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := c.command(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// chown gives path to the server's account when that is not ours.
func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.uid), int(c.runAs.gid)); err != nil {
		return fmt.Errorf("localpg: unable to give %s to the %q user: %w", path, c.runAs.name, err)
	}
	return nil
}

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

func appendLine(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("localpg: unable to open %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		_ = f.Close()
		return fmt.Errorf("localpg: unable to write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("localpg: unable to write %s: %w", path, err)
	}
	return nil
}

// seconds formats d for pg_ctl -t, rounding up.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// indent formats command output for an error message.
func indent(title, text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	return "\n" + title + ":\n    " + strings.ReplaceAll(text, "\n", "\n    ")
}
