package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// FindGrants returns the roles of a staff member.
func (t *Tx) FindGrants(ctx context.Context, userID int64) ([]workflow.Grant, error) {
	return findGrants(ctx, t.tx, userID)
}

// FindGrants returns the roles of a staff member (bootstrap admins are
// not in the database; see workflow.Service.Grants).
func (db *DB) FindGrants(ctx context.Context, userID int64) ([]workflow.Grant, error) {
	return findGrants(ctx, db.pool, userID)
}

func findGrants(ctx context.Context, q querier, userID int64) ([]workflow.Grant, error) {
	rows, err := q.Query(ctx, `
		SELECT role, coalesce(direction, '') FROM staff_roles WHERE user_id = $1 ORDER BY role, direction`, userID)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find roles of %d: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.Grant, error) {
		var g workflow.Grant
		err := row.Scan(&g.Role, &g.Direction)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read roles of %d: %w", userID, err)
	}
	return out, nil
}

// GrantRole gives a staff member a role, creating the staff row if
// needed. Granting a role held already changes nothing.
func (db *DB) GrantRole(ctx context.Context, userID int64, name string, g workflow.Grant, grantedBy int64) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		return t.GrantRole(ctx, userID, name, g, grantedBy)
	})
}

// GrantRole gives a staff member a role inside the transaction.
func (t *Tx) GrantRole(ctx context.Context, userID int64, name string, g workflow.Grant, grantedBy int64) error {
	if !g.Role.Valid() {
		return workflow.Errorf(workflow.EInvalid, "unknown role %q", g.Role)
	}
	if g.Role.Scoped() != (g.Direction != "") {
		return workflow.Errorf(workflow.EInvalid, "role %q with direction %q", g.Role, g.Direction)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO staff (user_id, name) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET name = CASE WHEN $2 = '' THEN staff.name ELSE $2 END`, userID, name)
	if err != nil {
		return fmt.Errorf("storage: unable to add staff %d: %w", userID, mapError(err))
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO staff_roles (user_id, role, direction, granted_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, userID, g.Role, nullString(g.Direction), grantedBy)
	if err != nil {
		return fmt.Errorf("storage: unable to grant %s to %d: %w", g.Role, userID, mapError(err))
	}
	return nil
}
