package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

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

// ensureCluster checks that the server's account can reach the directory,
// creates the cluster unless it exists (another process may have created
// it while this one waited for the start lock) or else checks its owner,
// and writes mcu.conf. It must run under the start lock.
func (c *Cluster) ensureCluster(ctx context.Context, initdb string) error {
	if err := c.checkReachable(ctx); err != nil {
		return err
	}
	// Another process may have created the cluster while we waited.
	existingMajor, err := readPGVersion(c.dataDir)
	if err != nil {
		return err
	}
	if existingMajor == "" {
		if err := c.initCluster(ctx, initdb); err != nil {
			return err
		}
	} else if err := c.checkOwner(); err != nil {
		return err
	}
	return c.writeConf()
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
