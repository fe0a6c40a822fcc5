// Command mcu runs the municipal control centre's appeals bot.
//
//	mcu serve     bot, outbox dispatcher, scheduled jobs, HTTP (/healthz, /readyz)
//	mcu migrate   apply database migrations and exit
//	mcu report    write the monthly report (--month YYYY-MM [--out FILE.xlsx])
//	mcu digest    send the head's digest now
//	mcu demo      the bot against a built-in Telegram, with a web page (--reset)
//
// Configuration comes from the environment (see docs/configuration.md); a bad value
// exits with status 2 and one line naming the variable. Each command has
// a file of its own; Main (main_type.go) is what serve starts and stops.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones without the system's zoneinfo

	"mcu/internal/redact"
)

const usage = `usage: mcu <command>

commands:
  serve     run the bot, the outbox dispatcher, the scheduled jobs and the HTTP endpoints
  migrate   apply database migrations and exit
  report    write the monthly report: report --month YYYY-MM [--out FILE.xlsx]
  digest    send the head's digest now (exit 0 once Telegram accepted it)
  demo      try it without Telegram: the bot against a built-in Telegram, a web page
            to play the resident and the staff, a seeded world: demo [--reset]

configuration is read from MCU_* environment variables; see docs/configuration.md`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	limitMemory(os.Getenv)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one of mcu's subcommands: it gets the arguments after its
// name.
type command func(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger) error

// commands are mcu's subcommands by name.
var commands = map[string]command{
	"serve":   withoutArgs(serve),
	"migrate": withoutArgs(migrate),
	"report":  writeReport,
	"digest":  sendDigest,
	"demo":    runDemo,
}

// withoutArgs makes a command of one that takes no arguments (and, as
// always, ignores any).
func withoutArgs(f func(ctx context.Context, getenv func(string) string, logger *slog.Logger) error) command {
	return func(ctx context.Context, _ []string, getenv func(string) string, logger *slog.Logger) error {
		return f(ctx, getenv, logger)
	}
}

// run executes one command and returns the exit status: 0 done, 1 failed,
// 2 bad usage or configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	logCfg, err := LoadLogConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mcu: %s\n", err)
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logCfg.Level})
	if logCfg.JSON {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logCfg.Level})
	}
	// One handler keeps the bot token and the webhook secret out of every
	// log line.
	logger := slog.New(redact.Handler(h, getenv("MCU_TELEGRAM_TOKEN"), getenv("MCU_WEBHOOK_SECRET")))
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stderr, usage)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mcu: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	err = cmd(ctx, args[1:], getenv, logger)
	var cfgErr *ConfigError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &cfgErr):
		fmt.Fprintf(stderr, "mcu: %s\n", cfgErr)
		return 2
	default:
		logger.Error("mcu: "+args[0]+" failed", "error", err)
		return 1
	}
}
