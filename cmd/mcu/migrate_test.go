package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mcu/internal/localpg"
)

// TestMigrateWithPrivateCluster runs mcu migrate with no MCU_DATABASE_URL:
// it creates a private cluster under MCU_DATA_DIR, migrates it, stops it,
// and the second run reuses it.
func TestMigrateWithPrivateCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	if _, _, err := localpg.FindBinaries(""); err != nil {
		t.Skipf("no PostgreSQL binaries: %v", err)
	}
	t.Parallel()
	bin := buildMCU(t)
	// The cluster runs as the postgres user when we are root, so its
	// folder must be reachable by that user (t.TempDir's parent is not).
	base, err := os.MkdirTemp("", "mcu-migrate-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(base, "data")
	for run := 1; run <= 2; run++ {
		cmd := exec.Command(bin, "migrate")
		cmd.Env = append(os.Environ(), "MCU_DATABASE_URL=", "MCU_DATA_DIR="+dataDir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run %d: mcu migrate: %v\n%s", run, err, out)
		}
		if !strings.Contains(string(out), "database is up to date") {
			t.Errorf("run %d output:\n%s", run, out)
		}
		applied := strings.Contains(string(out), "migration applied")
		if (run == 1) != applied {
			t.Errorf("run %d: migrations applied %v, want %v (the cluster is reused)\n%s", run, applied, run == 1, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "PG_VERSION")); err != nil {
		t.Errorf("no cluster under MCU_DATA_DIR: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("the cluster is still running after mcu migrate exited (postmaster.pid: %v)", err)
	}
}
