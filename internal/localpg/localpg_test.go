package localpg

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// needBinaries skips the test when this machine has no PostgreSQL.
func needBinaries(t *testing.T) {
	t.Helper()
	if _, _, err := FindBinaries(""); err != nil {
		t.Skipf("skipping: no PostgreSQL server programs on this machine (%v)", err)
	}
}

// dataDir returns a fresh directory that the postgres user can reach when
// the tests run as root (t.TempDir's parent is 0700), removed at the end
// after any server left in it is stopped.
func dataDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "localpg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	t.Cleanup(func() {
		forceStop(t, dir)
		if err := os.RemoveAll(base); err != nil {
			t.Error(err)
		}
	})
	return dir
}

// forceStop stops whatever server still runs in dir.
func forceStop(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); err != nil {
		return
	}
	_, pgctl, err := FindBinaries("")
	if err != nil {
		return
	}
	runAs, err := serverAccount()
	if err != nil {
		return
	}
	c := &Cluster{dir: dir, dataDir: filepath.Join(dir, "postgres"), socketDir: filepath.Join(dir, "run"), runAs: runAs}
	if out, err := c.run(context.Background(), pgctl, "stop", "-D", c.dataDir, "-m", "immediate", "-w"); err != nil {
		t.Logf("forced stop: %v: %s", err, out)
	}
}

func testOptions(t *testing.T, dir string) Options {
	return Options{
		Dir:          dir,
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		StartTimeout: 30 * time.Second,
	}
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return c
}

func stop(t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL())
	if err != nil {
		t.Fatalf("connect to %s: %v", c.URL(), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func running(t *testing.T, c *Cluster) bool {
	t.Helper()
	up, err := c.status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func TestStartStopReuse(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	dir := dataDir(t)

	c := start(t, testOptions(t, dir))
	if !c.started {
		t.Error("the first Start did not start the server")
	}
	wantPrefix := "postgres:///mcu?host=" + strings.ReplaceAll(filepath.Join(dir, "run"), "/", "%2F")
	if !strings.HasPrefix(c.URL(), wantPrefix) {
		t.Errorf("URL() = %q, want prefix %q", c.URL(), wantPrefix)
	}
	conn := connect(t, c)
	var one int
	if err := conn.QueryRow(t.Context(), "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1 = %d, %v", one, err)
	}
	var listen, user, db, enc string
	if err := conn.QueryRow(t.Context(), "select current_setting('listen_addresses'), current_user, current_database(), current_setting('server_encoding')").Scan(&listen, &user, &db, &enc); err != nil {
		t.Fatal(err)
	}
	if listen != "" || user != "mcu" || db != "mcu" || enc != "UTF8" {
		t.Errorf("listen_addresses=%q user=%q db=%q encoding=%q, want '' mcu mcu UTF8", listen, user, db, enc)
	}
	if _, err := conn.Exec(t.Context(), "create table kept (v text); insert into kept values ('привет')"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(t.Context())

	fi, err := os.Stat(filepath.Join(dir, "run"))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "postgres.log")); err != nil || fi.Size() == 0 {
		t.Errorf("server log missing or empty: %v", err)
	}

	stop(t, c)
	if running(t, c) {
		t.Fatal("the server still runs after Stop")
	}
	stop(t, c) // a second Stop does nothing

	c = start(t, testOptions(t, dir))
	if !c.started {
		t.Error("the second Start did not start the server")
	}
	conn = connect(t, c)
	var v string
	if err := conn.QueryRow(t.Context(), "select upper(v) from kept").Scan(&v); err != nil || v != "ПРИВЕТ" {
		t.Fatalf("after restart: %q, %v; want ПРИВЕТ", v, err)
	}
	_ = conn.Close(t.Context())
	stop(t, c)

	// A server that cannot start: the error carries the server log.
	if err := appendLine(filepath.Join(dir, "postgres", "postgresql.conf"), "bogus_setting_for_test = 1\n"); err != nil {
		t.Fatal(err)
	}
	_, err = Start(t.Context(), testOptions(t, dir))
	if err == nil || !strings.Contains(err.Error(), "unable to start PostgreSQL") || !strings.Contains(err.Error(), "bogus_setting_for_test") {
		t.Fatalf("err = %v, want a start error quoting the server log", err)
	}
	t.Log(err)
}

func TestStartWhileRunning(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	dir := dataDir(t)

	first := start(t, testOptions(t, dir))
	// As if a crashed process had left the server running.
	second := start(t, testOptions(t, dir))
	if second.started {
		t.Error("the second Start claims to have started the running server")
	}
	if second.URL() != first.URL() {
		t.Errorf("URLs differ: %q and %q", second.URL(), first.URL())
	}
	if _, err := connect(t, second).Exec(t.Context(), "select 1"); err != nil {
		t.Fatal(err)
	}
	stop(t, second)
	if !running(t, first) {
		t.Fatal("Stop of a Cluster that did not start the server stopped it")
	}

	// The starter leaves the server to a process still using it.
	third := start(t, testOptions(t, dir))
	stop(t, first)
	if !running(t, first) {
		t.Fatal("Stop stopped a server that another Cluster still uses")
	}
	if _, err := connect(t, third).Exec(t.Context(), "select 1"); err != nil {
		t.Fatal(err)
	}
	stop(t, third) // did not start it: leaves it running; cleanup stops it
	if !running(t, first) {
		t.Fatal("a Cluster that did not start the server stopped it")
	}
}

func TestStartAfterServerCrash(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	dir := dataDir(t)

	c := start(t, testOptions(t, dir))
	pid, children := postmaster(t, c.dataDir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Its children leave when they notice; until then they hold the
	// shared memory and a new server would refuse to start.
	for _, p := range append(children, pid) {
		for deadline := time.Now().Add(10 * time.Second); alive(p); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still alive", p)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid: %v", err)
	}

	c2 := start(t, testOptions(t, dir))
	defer stop(t, c2)
	if !c2.started {
		t.Error("Start did not restart the crashed server")
	}
	if _, err := connect(t, c2).Exec(t.Context(), "select 1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(t.Context()); err != nil { // the first Cluster's server is gone
		t.Logf("Stop of the crashed cluster: %v", err)
	}
}

// postmaster returns the server's pid and its children's.
func postmaster(t *testing.T, dataDir string) (int, []int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	var children []int
	kids, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
	for _, f := range strings.Fields(string(kids)) {
		if n, err := strconv.Atoi(f); err == nil {
			children = append(children, n)
		}
	}
	return pid, children
}

// alive reports whether process p exists and is not a zombie.
func alive(p int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "stat"))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z")
}

func TestMissingBinaries(t *testing.T) {
	empty := t.TempDir()

	_, _, err := FindBinaries(empty)
	checkNotFound(t, err, empty)

	t.Setenv("PATH", empty)
	saved := versionedBinGlobs
	versionedBinGlobs = []string{filepath.Join(empty, "*", "bin")}
	t.Cleanup(func() { versionedBinGlobs = saved })
	_, _, err = FindBinaries("")
	checkNotFound(t, err, "on PATH")

	dir := filepath.Join(t.TempDir(), "data")
	_, err = Start(t.Context(), Options{Dir: dir})
	checkNotFound(t, err, "on PATH")
	_, err = Start(t.Context(), Options{Dir: dir, BinDir: empty})
	checkNotFound(t, err, empty)
}

func checkNotFound(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, s := range []string{want, "apt-get install postgresql", "MCU_DATABASE_URL", "localpg: "} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestFindBinariesPicksHighestVersion(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "16", "15", "notaversion"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "pg_ctl"} {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", t.TempDir())
	saved := versionedBinGlobs
	versionedBinGlobs = []string{filepath.Join(root, "*", "bin")}
	t.Cleanup(func() { versionedBinGlobs = saved })

	initdb, pgctl, err := FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "16", "bin"); filepath.Dir(initdb) != want || filepath.Dir(pgctl) != want {
		t.Errorf("FindBinaries = %s, %s; want them in %s", initdb, pgctl, want)
	}
	b, err := findBinaries(t.Context(), "", "15")
	if err != nil || b.pgctl != filepath.Join(root, "15", "bin", "pg_ctl") {
		t.Errorf("findBinaries for a version 15 cluster = %+v, %v", b, err)
	}
}

func TestParseVersionOutput(t *testing.T) {
	for in, want := range map[string]string{
		"pg_ctl (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n": "15",
		"pg_ctl (PostgreSQL) 17beta1":                          "17",
		"pg_ctl (PostgreSQL) 9.6.24":                           "9.6",
	} {
		if got, err := parseVersionOutput(in); err != nil || got != want {
			t.Errorf("parseVersionOutput(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseVersionOutput("something else"); err == nil {
		t.Error("no error for unrecognised output")
	}
}

func TestLongPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("x", 100))
	_, err := Start(t.Context(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "107") || !strings.Contains(err.Error(), "MCU_DATA_DIR") {
		t.Fatalf("err = %v, want one about the socket path limit", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start created %s before failing: %v", dir, err)
	}
}

func TestVersionMismatch(t *testing.T) {
	needBinaries(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(dir, "postgres"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres", "PG_VERSION"), []byte("9.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "PG_VERSION") || !strings.Contains(err.Error(), "9.4") {
		t.Fatalf("err = %v, want one naming PG_VERSION 9.4", err)
	}
}

func TestUnreachableDirAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only as root: the server then runs as the postgres user")
	}
	needBinaries(t)
	if _, err := serverAccount(); err != nil {
		t.Skip(err)
	}
	// t.TempDir's parent is 0700 and root's: postgres cannot get in.
	dir := filepath.Join(t.TempDir(), "data")
	_, err := Start(t.Context(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "MCU_DATA_DIR") {
		t.Fatalf("err = %v, want one saying the postgres user cannot reach the directory", err)
	}
	t.Log(err)
}

func TestNoServerUserAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only as root")
	}
	saved := serverUserName
	serverUserName = "no-such-user-localpg"
	t.Cleanup(func() { serverUserName = saved })
	_, err := Start(t.Context(), Options{Dir: filepath.Join(t.TempDir(), "data")})
	if err == nil || !strings.Contains(err.Error(), "no-such-user-localpg") || !strings.Contains(err.Error(), "MCU_DATABASE_URL") {
		t.Fatalf("err = %v, want one about the missing user", err)
	}
}

func TestStopNil(t *testing.T) {
	var c *Cluster
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
