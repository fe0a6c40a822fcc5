package localpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownerPath is the file naming the mcu process that started the running
// server: "<pid> <start time> <postmaster pid>\n", the start time in clock
// ticks since boot as /proc/<pid>/stat gives it (0 when unknown), so that
// a pid reused by another process does not pass for the owner, and the
// postmaster's pid, so that a server started since by someone else (by
// hand, after the owner died) does not pass for the owner's.
func (c *Cluster) ownerPath() string { return filepath.Join(c.dir, ".localpg.owner") }

// writeOwner records this process as the one that started the server.
// It runs under the start lock.
func (c *Cluster) writeOwner() error {
	pid := os.Getpid()
	line := fmt.Sprintf("%d %d %d\n", pid, processStartTime(pid), c.postmasterPID())
	tmp := c.ownerPath() + ".tmp"
	if err := os.WriteFile(tmp, []byte(line), 0o600); err != nil {
		return fmt.Errorf("localpg: unable to record the server's owner: %w", err)
	}
	if err := os.Rename(tmp, c.ownerPath()); err != nil {
		return fmt.Errorf("localpg: unable to record the server's owner: %w", err)
	}
	return nil
}

// removeOwner forgets the owner of a server that was stopped.
func (c *Cluster) removeOwner() {
	if err := os.Remove(c.ownerPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.logger.Warn("unable to remove the owner file of local PostgreSQL", "path", c.ownerPath(), "error", err)
	}
}

// ownerGone reports whether the running server was started by an mcu
// process that no longer exists (it died, or its pid now belongs to
// another process), and the pid of that process. A missing or unreadable
// owner file names nobody, and a file naming another postmaster than the
// one running is stale: the server was started by hand or by an older
// mcu, and is not ours to stop.
func (c *Cluster) ownerGone() (gone bool, pid int) {
	b, err := os.ReadFile(c.ownerPath())
	if err != nil {
		return false, 0
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return false, 0
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	postmaster, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil || pid <= 0 {
		return false, 0
	}
	if postmaster <= 0 || postmaster != c.postmasterPID() {
		return false, pid
	}
	return !processAlive(pid, start), pid
}

// postmasterPID returns the pid in postmaster.pid, 0 when there is none.
func (c *Cluster) postmasterPID() int {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// processAlive reports whether process pid exists, is not a zombie and,
// when start is not 0, started at that time (so is not a later process
// that got the same pid).
func processAlive(pid int, start uint64) bool {
	if pid == os.Getpid() {
		return true
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		if _, perr := os.Stat("/proc/self/stat"); perr != nil {
			// No /proc (not Linux): ask the kernel whether the pid exists.
			err := syscall.Kill(pid, 0)
			return err == nil || errors.Is(err, syscall.EPERM)
		}
		return false
	}
	state, startTime, ok := parseStat(string(stat))
	if !ok {
		return true // unreadable: do not take a live server away
	}
	if state == "Z" || state == "X" {
		return false
	}
	return start == 0 || startTime == start
}

// processStartTime returns the start time of process pid from
// /proc/<pid>/stat, or 0 when it cannot be read.
func processStartTime(pid int) uint64 {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	_, start, ok := parseStat(string(stat))
	if !ok {
		return 0
	}
	return start
}

// parseStat returns the state (field 3) and the start time (field 22) of
// a /proc/<pid>/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ")".
func parseStat(stat string) (state string, start uint64, ok bool) {
	i := strings.LastIndex(stat, ")")
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 20 {
		return "", 0, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return f[0], start, true
}
