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

func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildMCU(t)
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	addr := freeAddr(t)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"MCU_TELEGRAM_TOKEN="+srv.Token,
		"MCU_TELEGRAM_API_URL="+srv.URL,
		"MCU_DATABASE_URL="+dbtest.URL(t),
		"MCU_HTTP_ADDR="+addr,
	)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("mcu serve stderr:\n%s", stderr.String())
		}
	}()

	waitHTTP(t, fmt.Sprintf("http://%s/healthz", addr), http.StatusOK, 20*time.Second)
	waitHTTP(t, fmt.Sprintf("http://%s/readyz", addr), http.StatusOK, 20*time.Second)

	alice := srv.NewUser("Алиса")
	start := srv.SendText(alice, "/start")
	reply := srv.MustWaitSent(t, telegramtest.After(start))
	if !strings.Contains(reply.Text, "Здравствуйте") {
		t.Errorf("reply to /start: %q", reply.Text)
	}
	if cmds := srv.Commands(telegramtest.BotCommandScope{}, ""); len(cmds) == 0 {
		t.Error("no commands registered with setMyCommands")
	}

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("mcu serve exited with %v after SIGTERM, want 0", err)
		}
		if d := time.Since(sent); d > 5*time.Second {
			t.Errorf("mcu serve took %s to stop, want under 5 s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("mcu serve did not exit within 5 s of SIGTERM")
	}
	if strings.Contains(stderr.String(), srv.Token) {
		t.Error("the log contains the bot token")
	}
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
