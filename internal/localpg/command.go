package localpg

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// command builds a command that runs as the server's account.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	// Own process group: a Ctrl-C on the terminal reaches mcu, which then
	// stops the server in order, and not the server directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		// PGDATA, PGPORT, PGHOST, ... must not steer our cluster.
		if strings.HasPrefix(kv, "PG") || (c.runAs != nil && strings.HasPrefix(kv, "HOME=")) {
			continue
		}
		env = append(env, kv)
	}
	if c.runAs != nil {
		env = append(env, "HOME="+c.runAs.home)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.runAs.uid, Gid: c.runAs.gid}
		cmd.Dir = c.socketDir // the child's working directory must be reachable by it
	}
	cmd.Env = env
	return cmd
}

// run runs a command as the server's account and returns its output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := c.command(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// seconds formats d for pg_ctl -t, rounding up.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// indent formats command output for an error message.
func indent(title, text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	return "\n" + title + ":\n    " + strings.ReplaceAll(text, "\n", "\n    ")
}
