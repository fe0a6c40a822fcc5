package localpg

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	port          = 5432 // only names the socket file; there is no TCP listener
	socketFile    = ".s.PGSQL.5432"
	maxSocketPath = 107 // sun_path is 108 bytes with the terminating NUL
)

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

// setURL sets the URL of the database "mcu" on the server listening in
// socketDir with the port p.
func (c *Cluster) setURL(socketDir string, p int) {
	q := url.Values{
		"host":    {socketDir},
		"port":    {strconv.Itoa(p)},
		"user":    {SuperUser},
		"sslmode": {"disable"}, // over PGSSLMODE: no TLS on a Unix socket
	}
	c.url = "postgres:///" + DatabaseName + "?" + q.Encode()
}
