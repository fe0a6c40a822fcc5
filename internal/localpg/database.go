package localpg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ensureDatabase connects to the "postgres" database, retrying while the
// server comes up, and creates the database "mcu" when missing.
func (c *Cluster) ensureDatabase(ctx context.Context, timeout time.Duration) error {
	u, err := url.Parse(c.url)
	if err != nil {
		return fmt.Errorf("localpg: unable to parse the URL: %w", err)
	}
	u.Path = "/postgres"
	deadline := time.Now().Add(timeout)
	var conn *pgx.Conn
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err = pgx.Connect(cctx, u.String())
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("localpg: unable to connect to PostgreSQL through %s: %w%s", c.url, err, c.logTail(-1))
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", DatabaseName).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: unable to look for the database %q: %w", DatabaseName, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{DatabaseName}.Sanitize())
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "42P04" { // duplicate_database
		err = nil
	}
	if err != nil {
		return fmt.Errorf("localpg: unable to create the database %q: %w", DatabaseName, err)
	}
	c.logger.Info("database created", "database", DatabaseName)
	return nil
}
