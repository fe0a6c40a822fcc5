package storage

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mcu/workflow"
)

type pgconnParseError = pgconn.ParseConfigError

// mapError turns PostgreSQL errors into the workflow's codes: a unique or
// exclusion violation is a conflict, a serialization failure or deadlock is
// a conflict, a check or foreign key violation is invalid, no rows is not
// found. Other errors pass unchanged (internal).
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &workflow.Error{Code: workflow.ENotFound, Message: "not found", Err: err}
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505", "23P01", "40001", "40P01": // unique, exclusion, serialization, deadlock
		return &workflow.Error{Code: workflow.EConflict, Message: pgErr.Message, Err: err}
	case "23503", "23514", "23502", "22001", "22P02": // foreign key, check, not null, too long, bad text repr
		return &workflow.Error{Code: workflow.EInvalid, Message: pgErr.Message, Err: err}
	}
	return err
}
