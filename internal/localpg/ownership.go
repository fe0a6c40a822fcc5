package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// serverUserName is the account the server runs as when mcu runs as root.
// Tests replace it.
var serverUserName = "postgres"

// account is the unprivileged user that runs the server when mcu is root.
type account struct {
	name     string
	uid, gid uint32
	home     string
}

// serverAccount returns the account to run the server as: nil (the
// current user) unless the process is root.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUserName)
	if err != nil {
		return nil, fmt.Errorf("localpg: unable to run PostgreSQL: mcu runs as root, PostgreSQL refuses to run as root, and there is no %q system user to run it as (%w); create one (installing PostgreSQL, e.g. `apt-get install postgresql`, does), run mcu as an unprivileged user, or set MCU_DATABASE_URL",
			serverUserName, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("localpg: unable to read the ids of the user %q: %w", serverUserName, err)
	}
	if uid == 0 {
		return nil, fmt.Errorf("localpg: unable to run PostgreSQL: the user %q has uid 0, and PostgreSQL refuses to run as root; set MCU_DATABASE_URL or run mcu as an unprivileged user", serverUserName)
	}
	return &account{name: u.Username, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir}, nil
}

// ErrDataDir marks an error of [Start] about the directory itself (it
// cannot be made, used, or reached by the server's account): the
// caller's configuration is to blame, not the server.
var ErrDataDir = errors.New("localpg: the data directory is unusable")

// dataDirError is an error about the data directory; it is [ErrDataDir]
// and says what the wrapped error says.
type dataDirError struct{ err error }

func (e dataDirError) Error() string   { return e.err.Error() }
func (e dataDirError) Unwrap() []error { return []error{e.err, ErrDataDir} }

// prepareDir creates the data directory and the socket directory.
func (c *Cluster) prepareDir() error {
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		// When the server runs as another user, it must traverse Dir.
		perm := os.FileMode(0o700)
		if c.runAs != nil {
			perm = 0o711
		}
		if err := os.MkdirAll(c.dir, perm); err != nil {
			return fmt.Errorf("localpg: unable to create the data directory: %w", err)
		}
		if err := os.Chmod(c.dir, perm); err != nil {
			return fmt.Errorf("localpg: unable to set the mode of the data directory: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("localpg: unable to use the data directory: %w", err)
	}
	if err := os.Mkdir(c.socketDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("localpg: unable to create the socket directory: %w", err)
	}
	if err := os.Chmod(c.socketDir, 0o700); err != nil {
		return fmt.Errorf("localpg: unable to set the mode of the socket directory: %w", err)
	}
	return c.chown(c.socketDir)
}

// checkReachable makes sure the server's account can reach the data
// directory: the child changes into the socket directory after dropping
// root, so the kernel answers, ACLs included.
func (c *Cluster) checkReachable(ctx context.Context) error {
	if c.runAs == nil {
		return nil
	}
	out, err := c.command(ctx, c.pgctl, "--version").CombinedOutput()
	if err == nil {
		return nil
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) || errors.Is(err, os.ErrPermission) {
		return dataDirError{fmt.Errorf("localpg: unable to use the data directory %s: the %q user (uid %d), which runs PostgreSQL because mcu runs as root, cannot reach it (running a program there as that user failed: %w)%s; make every parent directory traversable by it (chmod o+x) or set MCU_DATA_DIR to a directory it can reach",
			c.dir, c.runAs.name, c.runAs.uid, err, blockingParentHint(c.dir, c.runAs.uid))}
	}
	return fmt.Errorf("localpg: unable to run %s as %q: %w%s", c.pgctl, c.runAs.name, err, indent("output", string(out)))
}

// blockingParentHint names the first parent of dir that others cannot
// traverse, judging by mode bits only.
func blockingParentHint(dir string, uid uint32) string {
	var parents []string
	for p := dir; ; p = filepath.Dir(p) {
		parents = append(parents, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(parents) - 1; i >= 0; i-- {
		fi, err := os.Stat(parents[i])
		if err != nil {
			return ""
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && st.Uid != uid && fi.Mode().Perm()&0o001 == 0 {
			return fmt.Sprintf(" — %s has mode %04o", parents[i], fi.Mode().Perm())
		}
	}
	return ""
}

// checkOwner reports an existing cluster owned by another account than the
// one that runs the server, which PostgreSQL would refuse.
func (c *Cluster) checkOwner() error {
	fi, err := os.Stat(c.dataDir)
	if err != nil {
		return fmt.Errorf("localpg: unable to use the cluster: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	want := uint32(os.Geteuid())
	name := "the current user"
	if c.runAs != nil {
		want, name = c.runAs.uid, fmt.Sprintf("the %q user", c.runAs.name)
	}
	if st.Uid != want {
		return fmt.Errorf("localpg: unable to use the cluster in %s: it is owned by uid %d, but PostgreSQL runs as %s (uid %d) and must own it; chown -R it or run mcu as its owner",
			c.dataDir, st.Uid, name, want)
	}
	return nil
}

// chown gives path to the server's account when that is not ours.
func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.uid), int(c.runAs.gid)); err != nil {
		return fmt.Errorf("localpg: unable to give %s to the %q user: %w", path, c.runAs.name, err)
	}
	return nil
}
