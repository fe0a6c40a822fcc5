package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mcu/internal/localpg"
)

// runBadConfig runs mcu in-process with vars and wants what an operator
// must see for a bad configuration: exit status 2 and exactly one line on
// stderr, naming the variable.
func runBadConfig(t *testing.T, command string, vars map[string]string, variable string) string {
	t.Helper()
	if _, ok := vars["MCU_TELEGRAM_TOKEN"]; !ok {
		vars["MCU_TELEGRAM_TOKEN"] = "123:abc"
	}
	var out strings.Builder
	code := run(t.Context(), []string{command}, env(vars), &out)
	if code != 2 {
		t.Errorf("mcu %s with %v: exit %d, want 2; stderr:\n%s", command, vars, code, out.String())
	}
	text := out.String()
	if !strings.HasSuffix(text, "\n") || strings.Count(text, "\n") != 1 {
		t.Errorf("mcu %s with %v: stderr %q, want exactly one line", command, vars, text)
	}
	if !strings.HasPrefix(text, "mcu: "+variable+": ") {
		t.Errorf("mcu %s with %v: stderr %q, want a line «mcu: %s: …»", command, vars, text, variable)
	}
	return text
}

// TestUnreachableDatabaseIsOneLine: pgx reports an attempt per line; the
// operator gets one line naming MCU_DATABASE_URL and the reason.
func TestUnreachableDatabaseIsOneLine(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"serve", "migrate"} {
		line := runBadConfig(t, command, map[string]string{
			"MCU_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
			"MCU_HTTP_ADDR":    freeAddr(t),
		}, "MCU_DATABASE_URL")
		if !strings.Contains(line, "connection refused") {
			t.Errorf("mcu %s: %q does not say why (connection refused)", command, line)
		}
	}
}

// TestUnusableDataDirExitsTwo: a MCU_DATA_DIR the private cluster cannot
// live in is a configuration error found before anything starts.
func TestUnusableDataDirExitsTwo(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{
		"a file":               file,
		"a path under a file":  filepath.Join(file, "data"),
		"a path /proc refuses": "/proc/mcu-data",
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(t.TempDir(), "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		dirs["a read-only directory"] = ro
	} else if _, _, err := localpg.FindBinaries(""); err == nil {
		// As root, PostgreSQL runs as "postgres", which must traverse
		// every parent: a private (0700) one is unusable.
		private := t.TempDir()
		if err := os.Chmod(private, 0o700); err != nil {
			t.Fatal(err)
		}
		dirs["a directory the postgres user cannot reach"] = filepath.Join(private, "data")
	}
	for what, dir := range dirs {
		for _, command := range []string{"serve", "migrate"} {
			line := runBadConfig(t, command, map[string]string{"MCU_DATA_DIR": dir, "MCU_HTTP_ADDR": freeAddr(t)}, "MCU_DATA_DIR")
			t.Logf("%s, mcu %s: %s", what, command, strings.TrimSpace(line))
		}
	}
}

// TestHTTPAddrInUseExitsTwoBeforeStarting: an MCU_HTTP_ADDR already taken
// stops serve before the private cluster is made or started.
func TestHTTPAddrInUseExitsTwoBeforeStarting(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	line := runBadConfig(t, "serve", map[string]string{"MCU_HTTP_ADDR": taken.Addr().String(), "MCU_DATA_DIR": dataDir}, "MCU_HTTP_ADDR")
	if !strings.Contains(line, "address already in use") {
		t.Errorf("%q does not say why (address already in use)", line)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("MCU_DATA_DIR %s was touched (%v): something started before the address was checked", dataDir, err)
	}
}
