package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// DirectionExists reports whether an active direction has this code.
func (t *Tx) DirectionExists(ctx context.Context, code string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM directions WHERE code = $1 AND active)`, code).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("storage: unable to check direction %q: %w", code, err)
	}
	return ok, nil
}

// FindDirections returns the active directions in their order.
func (db *DB) FindDirections(ctx context.Context) ([]workflow.Direction, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT code, name, position, active FROM directions WHERE active ORDER BY position, code`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find directions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[workflow.Direction])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read directions: %w", err)
	}
	return out, nil
}

// FindDeadlineRule returns the deadline rule of a kind in a direction: the
// direction's own row when there is one, the kind's default otherwise.
func (t *Tx) FindDeadlineRule(ctx context.Context, kind workflow.Kind, direction string) (workflow.DeadlineRule, error) {
	var r workflow.DeadlineRule
	err := t.tx.QueryRow(ctx, `
		SELECT unit, amount, non_working FROM deadline_rules
		WHERE kind = $1 AND (direction IS NULL OR direction = $2)
		ORDER BY direction NULLS LAST LIMIT 1`, kind, direction).Scan(&r.Unit, &r.Amount, &r.NonWorking)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, workflow.Errorf(workflow.EInvalid, "no deadline rule for kind %q", kind)
	}
	if err != nil {
		return r, fmt.Errorf("storage: unable to find deadline rule: %w", err)
	}
	return r, nil
}
