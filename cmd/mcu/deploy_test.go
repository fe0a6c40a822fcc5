package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// envNamesOfConfig are the MCU_* variables config.go reads, found as the
// string literals that name them.
func envNamesOfConfig(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	return uniqueMatches(regexp.MustCompile(`"(MCU_[A-Z0-9_]+)"`), string(src))
}

// envNamesOfExample are the variables deploy/mcu.env.example sets or shows
// commented out ("NAME=" or "#NAME=" at the start of a line).
func envNamesOfExample(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../../deploy/mcu.env.example")
	if err != nil {
		t.Fatal(err)
	}
	return uniqueMatches(regexp.MustCompile(`(?m)^#?(MCU_[A-Z0-9_]+)=`), string(src))
}

func uniqueMatches(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestEnvExampleNamesEveryVariable: the operator's env file names exactly
// the variables the program reads, so none is undocumented and none is
// stale.
func TestEnvExampleNamesEveryVariable(t *testing.T) {
	read, shown := envNamesOfConfig(t), envNamesOfExample(t)
	if len(read) < 10 {
		t.Fatalf("found only %d variables in config.go: %v", len(read), read)
	}
	for _, name := range read {
		if !slices.Contains(shown, name) {
			t.Errorf("deploy/mcu.env.example does not name %s, which config.go reads", name)
		}
	}
	for _, name := range shown {
		if !slices.Contains(read, name) {
			t.Errorf("deploy/mcu.env.example names %s, which config.go does not read", name)
		}
	}
}

// TestEnvExampleDefaults: each variable of the env file says its default,
// and a value shown commented out is that default, so uncommenting a
// line changes nothing until it is edited.
func TestEnvExampleDefaults(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"MCU_TELEGRAM_TOKEN": "1:abc"}), true)
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{
		"MCU_TELEGRAM_API_URL": c.TelegramAPIURL, "MCU_HTTP_ADDR": c.HTTPAddr, "MCU_TIMEZONE": c.Location.String(),
		"MCU_DIGEST_CRON": c.DigestCron, "MCU_SUMMARY_CRON": c.SummaryCron,
		"MCU_APPEALS_PER_HOUR": "5", "MCU_SEND_PER_SECOND": "30", "MCU_READY_MAX_QUEUE_AGE": "5m",
		"MCU_SIMILAR_WINDOW": "72h", "MCU_RETENTION_DAYS": "1825", "MCU_RATING_DAYS": "7", "MCU_LOG_LEVEL": "info", "MCU_LOG_FORMAT": "text",
	}
	src, err := os.ReadFile("../../deploy/mcu.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for name, def := range defaults {
		if !strings.Contains(string(src), "\n#"+name+"="+def+"\n") {
			t.Errorf("deploy/mcu.env.example does not show #%s=%s (the default)", name, def)
		}
		if !strings.Contains(string(src), "# Default: "+def+"\n#"+name+"=") {
			t.Errorf("deploy/mcu.env.example does not say «Default: %s» right above %s", def, name)
		}
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on deploy/mcu.service,
// with its ExecStart pointed at a real mcu binary (verify refuses a
// missing one).
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (apt-get install systemd): the unit is not verified")
	}
	unit, err := os.ReadFile("../../deploy/mcu.service")
	if err != nil {
		t.Fatal(err)
	}
	const exec0 = "ExecStart=/usr/local/bin/mcu serve\n"
	if !strings.Contains(string(unit), exec0) {
		t.Fatalf("deploy/mcu.service has no line %q", exec0)
	}
	for _, want := range []string{
		"EnvironmentFile=/etc/mcu/mcu.env\n", "StateDirectory=mcu\n", "Environment=MCU_DATA_DIR=/var/lib/mcu\n",
		"Restart=on-failure\n", "RestartPreventExitStatus=2\n", "KillSignal=SIGTERM\n", "NoNewPrivileges=yes\n",
		"ProtectSystem=strict\n", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n", "SystemCallFilter=@system-service\n",
	} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("deploy/mcu.service lacks %q", want)
		}
	}
	dir := t.TempDir()
	bin := buildMCU(t)
	path := filepath.Join(dir, "mcu.service")
	copy := strings.Replace(string(unit), exec0, "ExecStart="+bin+" serve\n", 1)
	if err := os.WriteFile(path, []byte(copy), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// Unknown keys and sections are only warnings: any word about our
	// unit fails the test.
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.Contains(line, "mcu.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
}
