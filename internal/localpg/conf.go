package localpg

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

const (
	confFile    = "mcu.conf"
	includeLine = "include_if_exists '" + confFile + "'"
)

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

// appendLine appends text to the existing file at path.
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
