package loadtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// FindPGBench returns the pgbench on PATH or, failing that, the one of
// the highest PostgreSQL version under /usr/lib/postgresql.
func FindPGBench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(found) == 0 {
		return "", errors.New("pgbench not found on PATH or under /usr/lib/postgresql")
	}
	version := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return n
	}
	slices.SortFunc(found, func(a, b string) int { return version(a) - version(b) })
	return found[len(found)-1], nil
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// PGBench initialises pgbench's tables in the database at url (a scratch
// database: they are dropped and made anew), then runs the default
// TPC-B-like script with clients clients for d in prepared mode, and
// returns the transactions a second. Its command lines are returned for
// the record.
func PGBench(ctx context.Context, bin, url string, clients int, d time.Duration) (tps float64, commands []string, err error) {
	init := []string{"-i", "-q", url}
	run := []string{"-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(int(d.Seconds())), "-M", "prepared", url}
	for _, args := range [][]string{init, run} {
		commands = append(commands, bin+" "+joinArgs(args))
	}
	if out, err := exec.CommandContext(ctx, bin, init...).CombinedOutput(); err != nil {
		return 0, commands, fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, run...)
	cmd.Env = append(os.Environ(), "PGOPTIONS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, commands, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, commands, fmt.Errorf("pgbench: no tps in its output:\n%s", out)
	}
	tps, err = strconv.ParseFloat(string(m[1]), 64)
	return tps, commands, err
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += strconv.Quote(a)[1 : len(strconv.Quote(a))-1]
	}
	return s
}
