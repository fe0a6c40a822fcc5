package localpg

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
	"strings"
	"time"
)

// ErrNoBinaries is wrapped by the errors of [FindBinaries] and [Start] when
// the PostgreSQL server programs initdb and pg_ctl cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server programs (initdb, pg_ctl) not found")

// versionedBinGlobs are the places where distributions install one
// directory of server programs per major version (Debian/Ubuntu, then the
// PGDG packages of RHEL and its kin). Tests replace it.
var versionedBinGlobs = []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"}

// installHint ends every "not found" error.
const installHint = "install PostgreSQL (e.g. `apt-get install postgresql`) or set MCU_DATABASE_URL to use an existing server"

// binaries is one candidate pair of initdb and pg_ctl.
type binaries struct {
	initdb, pgctl string
	major         string // "" when not known without running pg_ctl
}

// FindBinaries finds the initdb and pg_ctl programs. When binDir is not
// empty only that directory is searched. Otherwise PATH comes first, then
// the highest version under /usr/lib/postgresql/*/bin (and /usr/pgsql-*/bin).
// When nothing is found the error wraps [ErrNoBinaries] and says how to
// install PostgreSQL.
func FindBinaries(binDir string) (initdb, pgctl string, err error) {
	b, err := findBinaries(context.Background(), binDir, "")
	if err != nil {
		return "", "", err
	}
	return b.initdb, b.pgctl, nil
}

// findBinaries is FindBinaries that prefers, when wantMajor is not empty,
// the programs of that major version (the one of an existing cluster).
func findBinaries(ctx context.Context, binDir, wantMajor string) (binaries, error) {
	if binDir != "" {
		initdb, pgctl := filepath.Join(binDir, "initdb"), filepath.Join(binDir, "pg_ctl")
		for _, p := range []string{initdb, pgctl} {
			if !isExecutable(p) {
				return binaries{}, fmt.Errorf("localpg: %w in %s (no executable %s); %s", ErrNoBinaries, binDir, filepath.Base(p), installHint)
			}
		}
		return binaries{initdb: initdb, pgctl: pgctl}, nil
	}

	var candidates []binaries
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if pgctl, err := exec.LookPath("pg_ctl"); err == nil {
			candidates = append(candidates, binaries{initdb: initdb, pgctl: pgctl})
		}
	}
	candidates = append(candidates, versionedBinaries()...)
	if len(candidates) == 0 {
		return binaries{}, fmt.Errorf("localpg: %w on PATH or under %s; %s", ErrNoBinaries, strings.Join(versionedBinGlobs, " or "), installHint)
	}
	if wantMajor != "" {
		for _, c := range candidates {
			major := c.major
			if major == "" {
				major, _ = binaryMajor(ctx, c.pgctl)
			}
			if major == wantMajor {
				c.major = major
				return c, nil
			}
		}
	}
	return candidates[0], nil
}

// versionedBinaries lists the complete versioned directories, highest
// version first.
func versionedBinaries() []binaries {
	type found struct {
		b   binaries
		ver []int
	}
	var all []found
	for _, glob := range versionedBinGlobs {
		dirs, _ := filepath.Glob(glob)
		for _, dir := range dirs {
			initdb, pgctl := filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl")
			if !isExecutable(initdb) || !isExecutable(pgctl) {
				continue
			}
			// The version is the name of the directory above bin:
			// "15", "9.6", "pgsql-16".
			m := dirVersionRE.FindString(filepath.Base(filepath.Dir(dir)))
			if m == "" {
				continue
			}
			var ver []int
			for _, part := range strings.Split(m, ".") {
				n, _ := strconv.Atoi(part)
				ver = append(ver, n)
			}
			all = append(all, found{b: binaries{initdb: initdb, pgctl: pgctl, major: m}, ver: ver})
		}
	}
	slices.SortStableFunc(all, func(a, b found) int { return -slices.Compare(a.ver, b.ver) })
	out := make([]binaries, len(all))
	for i, f := range all {
		out[i] = f.b
	}
	return out
}

var (
	dirVersionRE     = regexp.MustCompile(`[0-9]+(\.[0-9]+)?$`)
	versionOutputRE  = regexp.MustCompile(`\(PostgreSQL\) ([0-9]+)(?:\.([0-9]+))?`)
	errUnknownOutput = errors.New("unrecognised output")
)

// binaryMajor returns the major version of a pg_ctl program as PostgreSQL
// writes it in PG_VERSION: "15" from 10 on, "9.6" before.
func binaryMajor(ctx context.Context, pgctl string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, pgctl, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("localpg: unable to run %s --version: %w", pgctl, err)
	}
	return parseVersionOutput(string(out))
}

// parseVersionOutput reads "pg_ctl (PostgreSQL) 15.20 (Debian ...)".
func parseVersionOutput(out string) (string, error) {
	m := versionOutputRE.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("localpg: unable to read the version from %q: %w", strings.TrimSpace(out), errUnknownOutput)
	}
	if n, _ := strconv.Atoi(m[1]); n < 10 && m[2] != "" {
		return m[1] + "." + m[2], nil
	}
	return m[1], nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// findPrograms finds initdb and pg_ctl, preferring the major version of an
// existing cluster, sets c.pgctl and c.major, and returns the path of
// initdb. It fails when an existing cluster belongs to another major
// version than the programs found.
func (c *Cluster) findPrograms(ctx context.Context, binDir string) (initdb string, err error) {
	existingMajor, err := readPGVersion(c.dataDir)
	if err != nil {
		return "", err
	}
	bins, err := findBinaries(ctx, binDir, existingMajor)
	if err != nil {
		return "", err
	}
	c.pgctl = bins.pgctl
	if c.major, err = binaryMajor(ctx, bins.pgctl); err != nil {
		return "", err
	}
	if existingMajor != "" && existingMajor != c.major {
		return "", fmt.Errorf("localpg: unable to use the cluster in %s: its PG_VERSION says PostgreSQL %s, but the programs found (%s) are PostgreSQL %s; install PostgreSQL %s (or point BinDir at its bin directory), upgrade the cluster with pg_upgrade, or move %s away to start afresh",
			c.dataDir, existingMajor, filepath.Dir(bins.pgctl), c.major, existingMajor, c.dataDir)
	}
	return bins.initdb, nil
}
