package localpg

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperDirEnv makes the test binary a stand-in for mcu serve: it starts
// the cluster in that directory, says "ready" and waits to be killed.
const helperDirEnv = "LOCALPG_TEST_HELPER_DIR"

func TestHelperServe(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("a helper process of TestStartAdoptsServerOfDeadOwner")
	}
	c, err := Start(context.Background(), Options{Dir: dir, StartTimeout: 30 * time.Second})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready", c.started)
	time.Sleep(time.Minute)
	os.Exit(1)
}

// startOtherMCU starts the cluster in dir from another process, as
// another mcu serve would, and returns that process once the server is
// ready; started tells whether it started the server.
func startOtherMCU(t *testing.T, dir string) (cmd *exec.Cmd, started bool) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^TestHelperServe$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "ready ") {
		t.Fatalf("helper: %q, %v", line, err)
	}
	return cmd, strings.TrimSpace(line) == "ready true"
}

// kill9 kills p as a crash or kill -9 would, and reaps it.
func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// An mcu killed while its server runs leaves the server behind: the next
// start adopts it and stops it on exit, instead of leaving it forever.
func TestStartAdoptsServerOfDeadOwner(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	dir := dataDir(t)

	other, started := startOtherMCU(t, dir)
	if !started {
		t.Fatal("the helper did not start the server")
	}
	kill9(t, other)

	c := start(t, testOptions(t, dir))
	if !c.started {
		t.Fatal("Start did not adopt the server of a dead mcu")
	}
	if _, err := connect(t, c).Exec(t.Context(), "select 1"); err != nil {
		t.Fatal(err)
	}
	if gone, pid := c.ownerGone(); gone || pid != os.Getpid() {
		t.Errorf("owner file: gone=%v pid=%d, want this process (%d)", gone, pid, os.Getpid())
	}
	stop(t, c)
	if running(t, c) {
		t.Fatal("the adopted server still runs after Stop")
	}
	if _, err := os.Stat(c.ownerPath()); !os.IsNotExist(err) {
		t.Errorf("owner file left after the server stopped: %v", err)
	}
}

// A process reusing the server of a live mcu does not own it; when that
// mcu dies first, the last user stops the server on exit.
func TestStopAfterOwnerDied(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	dir := dataDir(t)

	other, _ := startOtherMCU(t, dir)
	c := start(t, testOptions(t, dir))
	if c.started {
		t.Fatal("Start took the server of a live mcu")
	}
	kill9(t, other)
	stop(t, c)
	if running(t, c) {
		t.Fatal("the server of a dead mcu still runs after its last user stopped")
	}
}

// An owner file naming a process that no longer exists, or a pid now
// used by another process (another start time), is gone; this process,
// one without a file, and a file naming another postmaster than the one
// running (a server started since by someone else) are not.
func TestOwnerGone(t *testing.T) {
	dir := t.TempDir()
	c := &Cluster{dir: dir, dataDir: filepath.Join(dir, "postgres")}
	if err := os.Mkdir(c.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	const postmaster = 4242
	if err := os.WriteFile(filepath.Join(c.dataDir, "postmaster.pid"), []byte("4242\n/data\n1\n5432\n/run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if gone, _ := c.ownerGone(); gone {
		t.Error("no owner file: gone")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	parent, parentStart := os.Getppid(), processStartTime(os.Getppid())
	for _, tc := range []struct {
		line string
		gone bool
	}{
		{fmt.Sprintf("%d %d %d\n", dead.Process.Pid, 1, postmaster), true},
		{fmt.Sprintf("%d %d %d\n", parent, parentStart+1, postmaster), true},
		{fmt.Sprintf("%d %d %d\n", parent, parentStart, postmaster), false},
		{fmt.Sprintf("%d 0 %d\n", os.Getpid(), postmaster), false},
		{fmt.Sprintf("%d %d %d\n", dead.Process.Pid, 1, postmaster+1), false},
		{fmt.Sprintf("%d %d\n", dead.Process.Pid, 1), false},
		{"garbage\n", false},
	} {
		if err := os.WriteFile(c.ownerPath(), []byte(tc.line), 0o600); err != nil {
			t.Fatal(err)
		}
		if gone, _ := c.ownerGone(); gone != tc.gone {
			t.Errorf("owner %q: gone = %v, want %v", tc.line, gone, tc.gone)
		}
	}
}
