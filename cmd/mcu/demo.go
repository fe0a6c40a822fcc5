package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mcu/delivery"
	"mcu/demo"
	"mcu/internal/localpg"
	"mcu/internal/telegramtest"
)

// defaultDemoDir is where mcu demo keeps its cluster and chats, unless
// MCU_DATA_DIR says otherwise.
const defaultDemoDir = "./data/demo"

// findPostgres finds initdb and pg_ctl; tests replace it.
var findPostgres = localpg.FindBinaries

// runDemo is mcu demo: the bot as mcu serve runs it, with its private
// cluster under MCU_DATA_DIR (default ./data/demo), against the Telegram
// test server on a free loopback port instead of Telegram, and a page at
// MCU_HTTP_ADDR in which one plays the resident and the staff. The first
// start seeds a world (staff, chats, appeals of the last 40 days); later
// starts continue it, the chats included; --reset starts again.
func runDemo(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger) error {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	reset := flags.Bool("reset", false, "delete the demo's data and start from a fresh world")
	if err := flags.Parse(args); err != nil {
		return bad("arguments", "%v (usage: mcu demo [--reset])", err)
	}
	if flags.NArg() > 0 {
		return bad("arguments", "unexpected %q (usage: mcu demo [--reset])", flags.Arg(0))
	}
	if _, _, err := findPostgres(""); errors.Is(err, localpg.ErrNoBinaries) {
		return bad("PostgreSQL", "mcu demo runs its own PostgreSQL and needs its server programs initdb and pg_ctl: "+
			"install them with `apt-get install postgresql` (Debian, Ubuntu) and run mcu demo again")
	}
	dir := strings.TrimSpace(getenv("MCU_DATA_DIR"))
	if dir == "" {
		dir = defaultDemoDir
	}
	if !*reset && seedInterrupted(dir) {
		// A start stopped (Ctrl-C) while it seeded left half a world,
		// which cannot be seeded again: start afresh.
		logger.Warn("demo: the last start was stopped while it seeded the world; starting afresh", "data_dir", dir)
		*reset = true
	}
	if *reset {
		if err := resetDemo(ctx, dir, logger); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo data directory: %w", err)
	}
	world, err := demo.LoadWorld()
	if err != nil {
		return err
	}
	srv, err := telegramtest.New(telegramtest.Options{BotUsername: "mcu_demo_bot", BotFirstName: world.BotName})
	if err != nil {
		return err
	}
	defer srv.Close()
	chatsFile := filepath.Join(dir, "telegram.json")
	if _, err := demo.LoadState(srv, chatsFile); err != nil {
		return fmt.Errorf("%w (mcu demo --reset starts again)", err)
	}
	world.Register(srv, nil)

	cfg, err := LoadConfig(demoEnv(getenv, dir, srv, world), true)
	if err != nil {
		return err
	}
	var m *Main
	page := demo.NewPage(demo.PageOptions{Server: srv, World: world, Logger: logger,
		Digest: func(ctx context.Context) error { return m.digestNow(ctx) }})
	m = &Main{Config: cfg, Logger: logger, Page: page.Handler(), Pace: &delivery.PaceOptions{Off: true}}
	if err := m.Run(ctx); err != nil {
		page.Close()
		m.Close()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	saveCtx, stopSaving := context.WithCancel(context.WithoutCancel(ctx))
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		demo.KeepState(saveCtx, srv, chatsFile, 500*time.Millisecond, logger)
	}()
	stop := func() error {
		page.Close()
		err := m.Close()
		stopSaving()
		<-saved
		return err
	}
	if err := m.seedOnce(ctx, world, page, srv, dir); err != nil {
		return errors.Join(err, stop())
	}
	fmt.Fprint(os.Stdout, demo.Welcome("http://"+cfg.HTTPAddr+"/"))
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	err = stop()
	if ctx.Err() == nil && err == nil {
		return errors.New("stopped unexpectedly")
	}
	return err
}

// demoEnv is the environment of mcu demo: the caller's, with the test
// server as Telegram (and its token), the private cluster under dir, no
// webhook, and the head as an admin.
func demoEnv(getenv func(string) string, dir string, srv *telegramtest.Server, world *demo.World) func(string) string {
	return func(name string) string {
		switch name {
		case "MCU_TELEGRAM_TOKEN":
			return srv.Token
		case "MCU_TELEGRAM_API_URL":
			return srv.URL
		case "MCU_DATA_DIR":
			return dir
		case "MCU_DATABASE_URL", "MCU_WEBHOOK_URL", "MCU_WEBHOOK_SECRET":
			return ""
		case "MCU_ADMIN_IDS":
			head := strconv.FormatInt(world.Head().ID, 10)
			if ids := strings.TrimSpace(getenv(name)); ids != "" {
				return ids + "," + head
			}
			return head
		}
		return getenv(name)
	}
}

// seededMark is the file that says the world was seeded into the database
// of the data directory.
const seededMark = ".demo-seeded"

// seedInterrupted reports whether dir holds a demo's database that was
// never seeded to the end (no seededMark).
func seedInterrupted(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "postgres")); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, seededMark))
	return errors.Is(err, fs.ErrNotExist)
}

// seedOnce makes the groups of the directions known to the test server
// and the page, and seeds the world unless it was seeded before.
func (m *Main) seedOnce(ctx context.Context, world *demo.World, page *demo.Page, srv *telegramtest.Server, dir string) error {
	directions, err := m.db.FindDirections(ctx)
	if err != nil {
		return err
	}
	world.Register(srv, directions)
	page.SetDirections(directions)
	mark := filepath.Join(dir, seededMark)
	if _, err := os.Stat(mark); err == nil {
		return nil
	}
	start := time.Now()
	err = world.Seed(ctx, demo.SeedOptions{DB: m.db.DB, Calendar: calendar(m.Config, m.Logger), Location: m.Config.Location,
		Logger: m.Logger, Now: m.Now()})
	if err != nil {
		return fmt.Errorf("%w (mcu demo --reset starts again)", err)
	}
	m.Logger.Info("demo world ready", "took", time.Since(start).Round(time.Millisecond))
	return os.WriteFile(mark, []byte(time.Now().Format(time.RFC3339)+"\n"), 0o600)
}

// digestNow queues the head's digest now, as mcu digest does; the
// running dispatcher sends it.
func (m *Main) digestNow(ctx context.Context) error {
	if m == nil || m.db == nil {
		return errors.New("still starting")
	}
	p, err := composeDigest(ctx, m.Config, m.db.DB, calendar(m.Config, m.Logger), m.Now(), "")
	if err != nil {
		return err
	}
	_, err = toHeadAndLeader(ctx, m.db, p)
	return err
}

// resetDemo deletes the demo's data directory. A directory a running mcu
// uses is refused; a server left running by an mcu that is gone (killed)
// is stopped first, as the next start would adopt and stop it.
func resetDemo(ctx context.Context, dir string, logger *slog.Logger) error {
	if f, err := os.Open(filepath.Join(dir, ".localpg.users")); err == nil {
		busy := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil
		f.Close()
		if busy {
			return bad("--reset", "%s is in use by a running mcu demo: stop it (Ctrl-C) first", dir)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); err == nil {
		if c, err := localpg.Start(ctx, localpg.Options{Dir: dir, Logger: logger}); err == nil {
			if err := c.Stop(ctx); err != nil {
				logger.Warn("demo reset: stop the old database", "error", err)
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	logger.Info("demo reset", "data_dir", dir)
	return nil
}
