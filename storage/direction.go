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
	return db.findDirections(ctx, true)
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

// FindAllDirections returns every direction, those turned off too, in
// their order.
func (db *DB) FindAllDirections(ctx context.Context) ([]workflow.Direction, error) {
	return db.findDirections(ctx, false)
}

// findDirections returns the directions in their order, only the active
// ones or all.
func (db *DB) findDirections(ctx context.Context, activeOnly bool) ([]workflow.Direction, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT code, name, position, active FROM directions WHERE active OR NOT $1 ORDER BY position, code`, activeOnly)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find directions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[workflow.Direction])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read directions: %w", err)
	}
	return out, nil
}

// FindDeadlineSettings returns every deadline rule: the kinds' defaults
// first, then the directions' own, by kind.
func (db *DB) FindDeadlineSettings(ctx context.Context) ([]workflow.DeadlineSetting, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT kind, coalesce(direction, ''), unit, amount, non_working FROM deadline_rules
		ORDER BY direction NULLS FIRST, direction, kind`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find deadline rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.DeadlineSetting, error) {
		var s workflow.DeadlineSetting
		err := row.Scan(&s.Kind, &s.Direction, &s.Rule.Unit, &s.Rule.Amount, &s.Rule.NonWorking)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read deadline rules: %w", err)
	}
	return out, nil
}

// AddDirection adds a direction, last in order; added is false when the
// code is taken.
func (t *Tx) AddDirection(ctx context.Context, code, name string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO directions (code, name, position)
		VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM directions))
		ON CONFLICT (code) DO NOTHING`, code, name)
	if err != nil {
		return false, fmt.Errorf("storage: unable to add direction %q: %w", code, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// RenameDirection renames a direction; found is false when there is no
// such direction.
func (t *Tx) RenameDirection(ctx context.Context, code, name string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE directions SET name = $2 WHERE code = $1`, code, name)
	if err != nil {
		return false, fmt.Errorf("storage: unable to rename direction %q: %w", code, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// SetDirectionActive turns a direction on or off; found is false when
// there is no such direction.
func (t *Tx) SetDirectionActive(ctx context.Context, code string, active bool) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE directions SET active = $2 WHERE code = $1`, code, active)
	if err != nil {
		return false, fmt.Errorf("storage: unable to turn direction %q on or off: %w", code, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// CountOpenAppeals returns how many appeals of a direction are not
// finished: still waiting for an answer, or answered and not closed (a
// «не решено» would bring them back).
func (t *Tx) CountOpenAppeals(ctx context.Context, direction string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `
		SELECT count(*) FROM appeals WHERE direction = $1
			AND state NOT IN `+finishedStates+``, direction).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("storage: unable to count open appeals of %q: %w", direction, mapError(err))
	}
	return n, nil
}

// SaveDeadlineRule sets the rule of a kind in a direction ("" for the
// kind's default); a rule that was there keeps its non_working.
func (t *Tx) SaveDeadlineRule(ctx context.Context, kind workflow.Kind, direction string, r workflow.DeadlineRule) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE deadline_rules SET unit = $3, amount = $4
		WHERE kind = $1 AND coalesce(direction, '') = $2`, kind, direction, r.Unit, r.Amount)
	if err == nil && tag.RowsAffected() == 0 {
		_, err = t.tx.Exec(ctx, `
			INSERT INTO deadline_rules (kind, direction, unit, amount) VALUES ($1, $2, $3, $4)`,
			kind, nullString(direction), r.Unit, r.Amount)
	}
	if err != nil {
		return fmt.Errorf("storage: unable to save the deadline of %s in %q: %w", kind, direction, mapError(err))
	}
	return nil
}

// DeleteDeadlineRule deletes a direction's own rule of a kind; found is
// false when it had none.
func (t *Tx) DeleteDeadlineRule(ctx context.Context, kind workflow.Kind, direction string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM deadline_rules WHERE kind = $1 AND direction = $2`, kind, direction)
	if err != nil {
		return false, fmt.Errorf("storage: unable to delete the deadline of %s in %q: %w", kind, direction, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}
