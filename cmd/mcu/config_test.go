package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"MCU_TELEGRAM_TOKEN": "123:abc-DEF_ghi"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.TelegramAPIURL != "https://api.telegram.org" || c.DataDir != "./data" || c.Location.String() != "Europe/Moscow" ||
		c.HTTPAddr != "127.0.0.1:8080" || c.DigestCron != "0 9 * * *" || c.SummaryCron != "0 8 * * 1-5" || c.AppealsPerHour != 5 ||
		c.ReadyMaxQueueAge != 5*time.Minute || c.SimilarWindow != 72*time.Hour {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // the variable named in the error
	}{
		{map[string]string{}, "MCU_TELEGRAM_TOKEN"},
		{map[string]string{"MCU_TELEGRAM_TOKEN": "not a token"}, "MCU_TELEGRAM_TOKEN"},
		{map[string]string{"MCU_TIMEZONE": "Mars/Olympus"}, "MCU_TIMEZONE"},
		{map[string]string{"MCU_TIMEZONE": "Local"}, "MCU_TIMEZONE"},
		{map[string]string{"MCU_DIGEST_CRON": "CRON_TZ="}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_DIGEST_CRON": "TZ=Europe/Moscow 0 9 * * *"}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_DIGEST_CRON": "every morning"}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_DIGEST_CRON": "0 25 * * *"}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_DIGEST_CRON": "@every 24h"}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_DIGEST_CRON": "0 9 30 2 *"}, "MCU_DIGEST_CRON"},
		{map[string]string{"MCU_SUMMARY_CRON": "CRON_TZ="}, "MCU_SUMMARY_CRON"},
		{map[string]string{"MCU_SUMMARY_CRON": "TZ=Europe/Moscow 0 8 * * 1-5"}, "MCU_SUMMARY_CRON"},
		{map[string]string{"MCU_SUMMARY_CRON": "weekdays at eight"}, "MCU_SUMMARY_CRON"},
		{map[string]string{"MCU_SUMMARY_CRON": "0 8 * * 1-8"}, "MCU_SUMMARY_CRON"},
		{map[string]string{"MCU_ADMIN_IDS": "12,abc"}, "MCU_ADMIN_IDS"},
		{map[string]string{"MCU_ADMIN_IDS": "-5"}, "MCU_ADMIN_IDS"},
		{map[string]string{"MCU_APPEALS_PER_HOUR": "-1"}, "MCU_APPEALS_PER_HOUR"},
		{map[string]string{"MCU_APPEALS_PER_HOUR": "five"}, "MCU_APPEALS_PER_HOUR"},
		{map[string]string{"MCU_SEND_PER_SECOND": "-1"}, "MCU_SEND_PER_SECOND"},
		{map[string]string{"MCU_SEND_PER_SECOND": "thirty"}, "MCU_SEND_PER_SECOND"},
		{map[string]string{"MCU_HTTP_ADDR": "8080"}, "MCU_HTTP_ADDR"},
		{map[string]string{"MCU_TELEGRAM_API_URL": "ftp://x"}, "MCU_TELEGRAM_API_URL"},
		{map[string]string{"MCU_DATABASE_URL": "mysql://x"}, "MCU_DATABASE_URL"},
		{map[string]string{"MCU_WEBHOOK_URL": "http://example.org/hook", "MCU_WEBHOOK_SECRET": "s"}, "MCU_WEBHOOK_URL"},
		{map[string]string{"MCU_WEBHOOK_URL": "https://example.org/hook"}, "MCU_WEBHOOK_SECRET"},
		{map[string]string{"MCU_WEBHOOK_SECRET": "has spaces"}, "MCU_WEBHOOK_SECRET"},
		{map[string]string{"MCU_CALENDAR_FILE": "/nonexistent/calendar.txt"}, "MCU_CALENDAR_FILE"},
		{map[string]string{"MCU_READY_MAX_QUEUE_AGE": "5"}, "MCU_READY_MAX_QUEUE_AGE"},
		{map[string]string{"MCU_READY_MAX_QUEUE_AGE": "0s"}, "MCU_READY_MAX_QUEUE_AGE"},
		{map[string]string{"MCU_READY_MAX_QUEUE_AGE": "-1m"}, "MCU_READY_MAX_QUEUE_AGE"},
		{map[string]string{"MCU_SIMILAR_WINDOW": "3d"}, "MCU_SIMILAR_WINDOW"},
		{map[string]string{"MCU_SIMILAR_WINDOW": "0h"}, "MCU_SIMILAR_WINDOW"},
		{map[string]string{"MCU_RETENTION_DAYS": "5y"}, "MCU_RETENTION_DAYS"},
		{map[string]string{"MCU_RATING_DAYS": "1"}, "MCU_RATING_DAYS"},
		{map[string]string{"MCU_RATING_DAYS": "week"}, "MCU_RATING_DAYS"},
		{map[string]string{"MCU_RETENTION_DAYS": "-1"}, "MCU_RETENTION_DAYS"},
	}
	for _, c := range cases {
		if _, ok := c.env["MCU_TELEGRAM_TOKEN"]; !ok && c.want != "MCU_TELEGRAM_TOKEN" {
			c.env["MCU_TELEGRAM_TOKEN"] = "123:abc"
		}
		_, err := LoadConfig(env(c.env), true)
		if err == nil || !strings.HasPrefix(err.Error(), c.want+": ") {
			t.Errorf("%v: error %v, want one naming %s", c.env, err, c.want)
		}
	}
}

func TestRunExitsTwoOnBadConfig(t *testing.T) {
	var out strings.Builder
	code := run(t.Context(), []string{"serve"}, env(map[string]string{
		"MCU_TELEGRAM_TOKEN": "123:abc", "MCU_TIMEZONE": "Mars/Olympus",
	}), &out)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "MCU_TIMEZONE") {
		t.Errorf("output %q, want one line naming MCU_TIMEZONE", out.String())
	}
}

func TestRunExitsTwoWhenDatabaseUnreachable(t *testing.T) {
	var out strings.Builder
	code := run(t.Context(), []string{"migrate"}, env(map[string]string{
		"MCU_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
	}), &out)
	if code != 2 || !strings.HasPrefix(out.String(), "mcu: MCU_DATABASE_URL: ") {
		t.Errorf("exit %d, output %q; want 2 naming MCU_DATABASE_URL", code, out.String())
	}
}

func TestLoadConfigReadsSchedules(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{
		"MCU_TELEGRAM_TOKEN": "123:abc", "MCU_DIGEST_CRON": "@daily", "MCU_SUMMARY_CRON": "30 7 * * 1-5",
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.DigestCron != "@daily" || c.SummaryCron != "30 7 * * 1-5" {
		t.Errorf("digest %q, summary %q; want @daily and 30 7 * * 1-5", c.DigestCron, c.SummaryCron)
	}
}

func TestLoadConfigReadsReadyMaxQueueAge(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"MCU_TELEGRAM_TOKEN": "123:abc", "MCU_READY_MAX_QUEUE_AGE": "90s"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.ReadyMaxQueueAge != 90*time.Second {
		t.Errorf("MCU_READY_MAX_QUEUE_AGE=90s read as %s", c.ReadyMaxQueueAge)
	}
}

// TestLogConfig: MCU_LOG_FORMAT=json makes every line a JSON object,
// MCU_LOG_LEVEL=warn keeps the info lines out, and a bad value of either
// stops mcu with one line naming it.
func TestLogConfig(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	migrate := func(extra map[string]string) (int, string) {
		vars := map[string]string{"MCU_DATABASE_URL": url}
		maps.Copy(vars, extra)
		var out strings.Builder
		return run(t.Context(), []string{"migrate"}, env(vars), &out), out.String()
	}
	code, out := migrate(map[string]string{"MCU_LOG_FORMAT": "json"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) < 2 {
		t.Fatalf("migrate with JSON logs: exit %d, output %q", code, out)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["level"] != "INFO" || rec["msg"] == "" {
			t.Errorf("not a JSON log line of level INFO: %q (%v)", l, err)
		}
	}
	if code, out := migrate(map[string]string{"MCU_LOG_LEVEL": "warn"}); code != 0 || out != "" {
		t.Errorf("migrate at level warn: exit %d, output %q; want nothing", code, out)
	}
	for name, value := range map[string]string{"MCU_LOG_LEVEL": "verbose", "MCU_LOG_FORMAT": "xml"} {
		code, out := migrate(map[string]string{name: value})
		if code != 2 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "mcu: "+name+": ") {
			t.Errorf("%s=%s: exit %d, output %q; want 2 and one line naming it", name, value, code, out)
		}
	}
}
