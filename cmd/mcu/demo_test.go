package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mcu/internal/localpg"
)

// TestDemoWithoutPostgres: without initdb and pg_ctl, mcu demo says what
// to install and exits 2, before it starts anything.
func TestDemoWithoutPostgres(t *testing.T) {
	saved := findPostgres
	findPostgres = func(string) (string, string, error) {
		return "", "", fmt.Errorf("localpg: %w on PATH", localpg.ErrNoBinaries)
	}
	t.Cleanup(func() { findPostgres = saved })
	var stderr strings.Builder
	dir := t.TempDir()
	code := run(context.Background(), []string{"demo"}, func(name string) string {
		if name == "MCU_DATA_DIR" {
			return dir
		}
		return ""
	}, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "apt-get install postgresql") {
		t.Fatalf("exit %d, stderr %q; want 2 and what to install", code, stderr.String())
	}
}

// TestDemoRefusesUnknownArguments: mcu demo takes --reset only.
func TestDemoRefusesUnknownArguments(t *testing.T) {
	for _, args := range [][]string{{"demo", "--wipe"}, {"demo", "now"}} {
		var stderr strings.Builder
		if code := run(context.Background(), args, func(string) string { return "" }, &stderr); code != 2 || !strings.Contains(stderr.String(), "mcu demo [--reset]") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the usage", args, code, stderr.String())
		}
	}
}

// A start stopped while it seeded leaves a database with no seeded mark:
// the next start resets it rather than failing on half a world.
func TestDemoSeedInterrupted(t *testing.T) {
	dir := t.TempDir()
	if seedInterrupted(dir) {
		t.Error("an empty directory taken for an interrupted seeding")
	}
	if err := os.MkdirAll(filepath.Join(dir, "postgres"), 0o700); err != nil {
		t.Fatal(err)
	}
	if !seedInterrupted(dir) {
		t.Error("a database with no seeded mark not taken for an interrupted seeding")
	}
	if err := os.WriteFile(filepath.Join(dir, seededMark), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if seedInterrupted(dir) {
		t.Error("a seeded world taken for an interrupted seeding")
	}
}
