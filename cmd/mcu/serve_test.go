package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/localpg"
	"mcu/internal/telegramtest"
)

// buildMCU builds the mcu binary once per test binary run.
func buildMCU(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mcu")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHTTP polls url until it answers want or the deadline passes.
func waitHTTP(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within %s (last: %s)", url, want, within, last)
}

// serveProcess is mcu serve running against the Telegram test server and
// a fresh database.
type serveProcess struct {
	srv    *telegramtest.Server
	addr   string
	cmd    *exec.Cmd
	exited chan error
	stderr *bytes.Buffer
}

func startServe(t *testing.T, env ...string) *serveProcess {
	t.Helper()
	bin := buildMCU(t)
	p := &serveProcess{
		srv:    telegramtest.MustNew(t, telegramtest.Options{Limits: telegramtest.Limits{On: true, Now: time.Now}}),
		addr:   freeAddr(t),
		exited: make(chan error, 1),
		stderr: &bytes.Buffer{},
	}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(os.Environ(),
		"MCU_TELEGRAM_TOKEN="+p.srv.Token,
		"MCU_TELEGRAM_API_URL="+p.srv.URL,
		"MCU_DATABASE_URL="+dbtest.URL(t),
		"MCU_HTTP_ADDR="+p.addr,
	)
	for _, e := range env {
		p.cmd.Env = append(p.cmd.Env, strings.ReplaceAll(e, "{addr}", p.addr))
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("mcu serve stderr:\n%s", p.stderr.String())
		}
	})
	waitHTTP(t, fmt.Sprintf("http://%s/healthz", p.addr), http.StatusOK, 20*time.Second)
	waitHTTP(t, fmt.Sprintf("http://%s/readyz", p.addr), http.StatusOK, 20*time.Second)
	return p
}

// stop sends SIGTERM and checks that mcu serve exits 0 within 5 s.
func (p *serveProcess) stop(t *testing.T) {
	t.Helper()
	p.stopWith(t, syscall.SIGTERM)
}

// stopWith sends sig and checks that mcu serve exits 0 within 5 s.
func (p *serveProcess) stopWith(t *testing.T, sig syscall.Signal) {
	t.Helper()
	sent := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("mcu serve exited with %v after %v, want 0", err, sig)
		}
		if d := time.Since(sent); d > 5*time.Second {
			t.Errorf("mcu serve took %s to stop, want under 5 s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("mcu serve did not exit within 5 s of %v", sig)
	}
	if strings.Contains(p.stderr.String(), p.srv.Token) {
		t.Error("the log contains the bot token")
	}
}

func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	p := startServe(t)
	alice := p.srv.NewUser("Алиса")
	start := p.srv.SendText(alice, "/start")
	reply := p.srv.MustWaitSent(t, telegramtest.After(start))
	if !strings.Contains(reply.Text, "Здравствуйте") {
		t.Errorf("reply to /start: %q", reply.Text)
	}
	if cmds := p.srv.Commands(telegramtest.BotCommandScope{}, ""); len(cmds) == 0 {
		t.Error("no commands registered with setMyCommands")
	}
	p.stop(t)
}

func TestServeWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	p := startServe(t, "MCU_WEBHOOK_URL=http://{addr}/telegram/hook", "MCU_WEBHOOK_SECRET=s3cret-Token")
	p.srv.MustWaitCall(t, "setWebhook", nil)
	hook := p.srv.Webhook()
	if !strings.HasSuffix(hook.URL, "/telegram/hook") {
		t.Fatalf("webhook set to %q", hook.URL)
	}
	alice := p.srv.NewUser("Алиса")
	start := p.srv.SendText(alice, "/start")
	reply := p.srv.MustWaitSent(t, telegramtest.After(start))
	if !strings.Contains(reply.Text, "Здравствуйте") {
		t.Errorf("reply to /start by webhook: %q", reply.Text)
	}
	// A post without the secret is refused and changes nothing.
	resp, err := http.Post(hook.URL, "application/json", strings.NewReader(`{"update_id": 999, "message": {"message_id": 1, "text": "/start", "chat": {"id": 5, "type": "private"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("post without secret: %s, want 401", resp.Status)
	}
	p.stop(t)
}

func TestServeWithoutTokenExitsTwo(t *testing.T) {
	t.Parallel()
	bin := buildMCU(t)
	for _, c := range []struct {
		env  []string
		name string
	}{
		{[]string{"MCU_TELEGRAM_TOKEN="}, "MCU_TELEGRAM_TOKEN"},
		{[]string{"MCU_TELEGRAM_TOKEN=1:abc", "MCU_TIMEZONE=Mars/Olympus"}, "MCU_TIMEZONE"},
	} {
		cmd := exec.CommandContext(context.Background(), bin, "serve")
		cmd.Env = append(os.Environ(), c.env...)
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
			t.Errorf("%v: %v, want exit status 2", c.env, err)
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], c.name) {
			t.Errorf("%v: output %q, want one line naming %s", c.env, out, c.name)
		}
	}
}

// TestServeStopsPrivateClusterOnSIGHUP: a SIGHUP (the terminal closed, a
// supervisor's reload) stops serve cleanly, private cluster included,
// rather than leaving PostgreSQL running.
func TestServeStopsPrivateClusterOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary, starts a PostgreSQL cluster")
	}
	if _, _, err := localpg.FindBinaries(""); err != nil {
		t.Skipf("no PostgreSQL binaries: %v", err)
	}
	t.Parallel()
	base, err := os.MkdirTemp("", "mcu-sighup-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil { // reachable by postgres when we are root
		t.Fatal(err)
	}
	dataDir := filepath.Join(base, "data")
	pidFile := filepath.Join(dataDir, "postgres", "postmaster.pid")
	t.Cleanup(func() {
		if _, err := os.Stat(pidFile); err == nil {
			// Left running: its mcu is gone, so a Start adopts it and
			// Stop stops it.
			if c, err := localpg.Start(context.Background(), localpg.Options{Dir: dataDir}); err == nil {
				_ = c.Stop(context.Background())
			}
		}
		os.RemoveAll(base)
	})
	p := startServe(t, "MCU_DATABASE_URL=", "MCU_DATA_DIR="+dataDir)
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatalf("the private cluster is not running: %v", err)
	}
	p.stopWith(t, syscall.SIGHUP)
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("the private cluster still runs after SIGHUP (postmaster.pid: %v)", err)
	}
}
