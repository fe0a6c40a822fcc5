package main

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mcu/delivery"

	"mcu/schedule"
	"mcu/workflow"
)

// Config is the whole configuration, read from the environment once in
// main and passed down; nothing else reads the environment.
type Config struct {
	TelegramToken  string
	TelegramAPIURL string
	DatabaseURL    string // "" means a private cluster under DataDir
	DataDir        string
	AdminIDs       []int64
	Location       *time.Location
	HTTPAddr       string
	WebhookURL     string
	WebhookSecret  string
	DigestCron     string // the head's digest
	SummaryCron    string // the working-day summary
	AppealsPerHour int
	// SendPerSecond is how many messages the dispatcher sends per second
	// overall, at most (MCU_SEND_PER_SECOND); 0 sends without pacing, for
	// a Telegram that keeps no flood limits (the test server).
	SendPerSecond int
	CalendarFile  string
	CalendarDays  []workflow.CalendarDay
	OperatorName  string
	// ReadyMaxQueueAge: /readyz fails while the oldest unsent outbox
	// message is older (MCU_READY_MAX_QUEUE_AGE).
	ReadyMaxQueueAge time.Duration
	// SimilarWindow: how far apart in time appeals a card calls similar
	// were registered (MCU_SIMILAR_WINDOW).
	SimilarWindow time.Duration
	// RetentionDays: the personal data of those whose appeals were all
	// finished this many days ago are erased (MCU_RETENTION_DAYS); 0
	// keeps them until revoked.
	RetentionDays int
	// RatingDays: an answer not rated is closed after this many days
	// (MCU_RATING_DAYS), the resident reminded once before.
	RatingDays int
}

// LogConfig is how mcu logs: read before the rest of the configuration,
// so that every command logs as configured from its first line.
type LogConfig struct {
	Level slog.Level // MCU_LOG_LEVEL: debug, info (the default), warn or error
	JSON  bool       // MCU_LOG_FORMAT: json, or text (the default)
}

// LoadLogConfig reads MCU_LOG_LEVEL and MCU_LOG_FORMAT with getenv.
func LoadLogConfig(getenv func(string) string) (LogConfig, error) {
	c := LogConfig{Level: slog.LevelInfo}
	level := strings.ToLower(strings.TrimSpace(getenv("MCU_LOG_LEVEL")))
	levels := map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError}
	var ok bool
	if c.Level, ok = levels[level]; !ok {
		return c, bad("MCU_LOG_LEVEL", "%q is not debug, info, warn or error", level)
	}
	switch format := strings.ToLower(strings.TrimSpace(getenv("MCU_LOG_FORMAT"))); format {
	case "", "text":
	case "json":
		c.JSON = true
	default:
		return c, bad("MCU_LOG_FORMAT", "%q is not text or json", format)
	}
	return c, nil
}

// ConfigError names the variable that is wrong and what is wrong with it.
type ConfigError struct {
	Var     string
	Problem string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Problem }

// bad is the configuration error of variable name. Its problem is one
// line, whatever the wrapped errors hold (pgx, say, writes an attempt per
// line), since the operator gets exactly one line on stderr.
func bad(name, format string, args ...any) error {
	return &ConfigError{Var: name, Problem: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine joins the lines of s, trimmed, dropping empty and repeated
// ones: after a line ending in ':' with a space, otherwise with "; ".
func oneLine(s string) string {
	var b strings.Builder
	var seen []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || slices.Contains(seen, line) {
			continue
		}
		seen = append(seen, line)
		switch {
		case b.Len() == 0:
		case strings.HasSuffix(b.String(), ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(line)
	}
	return b.String()
}

// Defaults (docs/configuration.md).
const (
	defaultAPIURL      = "https://api.telegram.org"
	defaultDataDir     = "./data"
	defaultTimezone    = "Europe/Moscow"
	defaultHTTPAddr    = "127.0.0.1:8080"
	defaultDigestCron  = "0 9 * * *"
	defaultSummaryCron = "0 8 * * 1-5"
	defaultPerHour     = 5
	defaultPerSecond   = 30
	defaultQueueAge    = "5m"
	defaultSimilar     = "72h"
	// defaultRetention is five years: what the federal list of archival
	// documents gives citizens' appeals of an operational kind.
	defaultRetention = 1825
	defaultRating    = 7
)

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// LoadConfig reads the configuration with getenv (os.Getenv in main) and
// validates every value. needToken says whether the command needs
// MCU_TELEGRAM_TOKEN.
func LoadConfig(getenv func(string) string, needToken bool) (*Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		TelegramToken:  get("MCU_TELEGRAM_TOKEN", ""),
		TelegramAPIURL: strings.TrimRight(get("MCU_TELEGRAM_API_URL", defaultAPIURL), "/"),
		DatabaseURL:    get("MCU_DATABASE_URL", ""),
		DataDir:        get("MCU_DATA_DIR", defaultDataDir),
		HTTPAddr:       get("MCU_HTTP_ADDR", defaultHTTPAddr),
		WebhookURL:     get("MCU_WEBHOOK_URL", ""),
		WebhookSecret:  get("MCU_WEBHOOK_SECRET", ""),
		DigestCron:     get("MCU_DIGEST_CRON", defaultDigestCron),
		SummaryCron:    get("MCU_SUMMARY_CRON", defaultSummaryCron),
		CalendarFile:   get("MCU_CALENDAR_FILE", ""),
		OperatorName:   get("MCU_OPERATOR_NAME", ""),
	}
	if c.TelegramToken == "" && needToken {
		return nil, bad("MCU_TELEGRAM_TOKEN", "is required: the bot token from @BotFather")
	}
	if c.TelegramToken != "" && !tokenPattern.MatchString(c.TelegramToken) {
		return nil, bad("MCU_TELEGRAM_TOKEN", "is not a bot token of the form 123456:ABC-DEF…")
	}
	if err := checkHTTPURL(c.TelegramAPIURL); err != nil {
		return nil, bad("MCU_TELEGRAM_API_URL", "%v", err)
	}
	if c.DatabaseURL != "" {
		if _, err := url.Parse(c.DatabaseURL); err != nil || !strings.HasPrefix(c.DatabaseURL, "postgres") {
			return nil, bad("MCU_DATABASE_URL", "is not a postgres:// URL")
		}
	}
	ids, err := parseIDs(get("MCU_ADMIN_IDS", ""))
	if err != nil {
		return nil, bad("MCU_ADMIN_IDS", "%v", err)
	}
	c.AdminIDs = ids
	tz := get("MCU_TIMEZONE", defaultTimezone)
	if c.Location, err = time.LoadLocation(tz); err != nil || tz == "Local" {
		return nil, bad("MCU_TIMEZONE", "unknown time zone %q (want an IANA name such as Europe/Moscow)", tz)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return nil, bad("MCU_HTTP_ADDR", "is not host:port: %v", err)
	}
	if err := c.checkWebhook(); err != nil {
		return nil, err
	}
	for _, v := range [][2]string{{"MCU_DIGEST_CRON", c.DigestCron}, {"MCU_SUMMARY_CRON", c.SummaryCron}} {
		if err := checkCron(v[1]); err != nil {
			return nil, bad(v[0], "%v", err)
		}
	}
	for _, n := range []struct {
		to            *int
		name          string
		def, min, max int
		problem       string
	}{
		{&c.AppealsPerHour, "MCU_APPEALS_PER_HOUR", defaultPerHour, 0, math.MaxInt, "a whole number ≥ 0 (0 turns the limit off)"},
		{&c.SendPerSecond, "MCU_SEND_PER_SECOND", defaultPerSecond, 0, 1000, "a whole number from 0 (no pacing) to 1000 (Telegram's limit is 30)"},
		{&c.RatingDays, "MCU_RATING_DAYS", defaultRating, 2, 60, "a whole number of days from 2 to 60"},
		{&c.RetentionDays, "MCU_RETENTION_DAYS", defaultRetention, 0, 36600, "a whole number of days from 0 (keep until revoked) to 36600"},
	} {
		v := get(n.name, strconv.Itoa(n.def))
		if *n.to, err = strconv.Atoi(v); err != nil || *n.to < n.min || *n.to > n.max {
			return nil, bad(n.name, "%q is not %s", v, n.problem)
		}
	}
	queueAge := get("MCU_READY_MAX_QUEUE_AGE", defaultQueueAge)
	if c.ReadyMaxQueueAge, err = time.ParseDuration(queueAge); err != nil || c.ReadyMaxQueueAge <= 0 {
		return nil, bad("MCU_READY_MAX_QUEUE_AGE", "%q is not a positive Go duration such as 5m or 90s", queueAge)
	}
	similarWindow := get("MCU_SIMILAR_WINDOW", defaultSimilar)
	if c.SimilarWindow, err = time.ParseDuration(similarWindow); err != nil || c.SimilarWindow <= 0 {
		return nil, bad("MCU_SIMILAR_WINDOW", "%q is not a positive Go duration such as 72h or 24h", similarWindow)
	}
	if n := utf8.RuneCountInString(c.OperatorName); n > 300 {
		return nil, bad("MCU_OPERATOR_NAME", "is %d characters long; the operator's name fits in 300", n)
	}
	if c.CalendarFile != "" {
		if c.CalendarDays, err = workflow.LoadCalendarFile(c.CalendarFile); err != nil {
			return nil, bad("MCU_CALENDAR_FILE", "%v", err)
		}
	}
	return c, nil
}

// checkWebhook checks MCU_WEBHOOK_URL and MCU_WEBHOOK_SECRET.
func (c *Config) checkWebhook() error {
	if c.WebhookURL != "" {
		// Telegram posts only to https; a local Bot API server (another
		// MCU_TELEGRAM_API_URL) also to plain http.
		official := c.TelegramAPIURL == defaultAPIURL
		if err := checkHTTPURL(c.WebhookURL); err != nil || (official && !strings.HasPrefix(c.WebhookURL, "https://")) {
			return bad("MCU_WEBHOOK_URL", "must be an https:// URL Telegram can reach")
		}
		if c.WebhookSecret == "" {
			return bad("MCU_WEBHOOK_SECRET", "is required with MCU_WEBHOOK_URL, so that only Telegram can post updates")
		}
	}
	if c.WebhookSecret != "" && !secretPattern.MatchString(c.WebhookSecret) {
		return bad("MCU_WEBHOOK_SECRET", "must be 1–256 characters A–Z, a–z, 0–9, _ or -")
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// parseIDs parses comma-separated Telegram user ids.
func parseIDs(s string) ([]int64, error) {
	var ids []int64
	if s == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a Telegram user id (a positive number)", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// checkCron validates a schedule as the scheduler will read it
// (schedule.CheckSpec: five fields or a descriptor, fixed times, firing at
// all). A CRON_TZ= or TZ= prefix is refused: the time zone is MCU_TIMEZONE.
func checkCron(spec string) error {
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return fmt.Errorf("%q: leave the time zone out, MCU_TIMEZONE sets it", spec)
	}
	return schedule.CheckSpec(spec)
}

// pace is the dispatcher's pacing: Telegram's flood limits with
// SendPerSecond for the bot overall, or none when it is 0.
func (c *Config) pace() delivery.PaceOptions {
	return delivery.PaceOptions{PerSecond: c.SendPerSecond, Off: c.SendPerSecond == 0}
}
