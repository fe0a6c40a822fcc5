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

// InStaffTx runs fn in one transaction, as InTx does, for the staff
// service.
func (db *DB) InStaffTx(ctx context.Context, fn func(ctx context.Context, tx workflow.StaffTx) error) error {
	return db.inTx(ctx, func(ctx context.Context, t *Tx) error { return fn(ctx, t) })
}

// FindStaff returns every staff member with their roles, by name.
func (db *DB) FindStaff(ctx context.Context) ([]workflow.StaffMember, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT s.user_id, s.name, r.role, coalesce(r.direction, '')
		FROM staff s JOIN staff_roles r ON r.user_id = s.user_id
		ORDER BY s.name, s.user_id, r.role, r.direction`)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find staff: %w", err)
	}
	defer rows.Close()
	var out []workflow.StaffMember
	for rows.Next() {
		var id int64
		var name string
		var g workflow.Grant
		if err := rows.Scan(&id, &name, &g.Role, &g.Direction); err != nil {
			return nil, fmt.Errorf("storage: unable to read staff: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].UserID != id {
			out = append(out, workflow.StaffMember{UserID: id, Name: name})
		}
		out[len(out)-1].Grants = append(out[len(out)-1].Grants, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: unable to read staff: %w", err)
	}
	return out, nil
}

// FindStaffNames returns the names of staff members by Telegram id.
func (db *DB) FindStaffNames(ctx context.Context) (map[int64]string, error) {
	return findStaffNames(ctx, db.pool, nil)
}

func findStaffNames(ctx context.Context, q querier, ids []int64) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT user_id, name FROM staff WHERE $1::bigint[] IS NULL OR user_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find staff names: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("storage: unable to read staff names: %w", err)
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: unable to read staff names: %w", err)
	}
	return names, nil
}

// DeleteRole deletes a role of a staff member and reports whether they
// held it.
func (t *Tx) DeleteRole(ctx context.Context, userID int64, g workflow.Grant) (bool, error) {
	tag, err := t.tx.Exec(ctx, `
		DELETE FROM staff_roles WHERE user_id = $1 AND role = $2 AND coalesce(direction, '') = $3`,
		userID, g.Role, g.Direction)
	if err != nil {
		return false, fmt.Errorf("storage: unable to revoke %s of %d: %w", g.Role, userID, mapError(err))
	}
	return tag.RowsAffected() > 0, nil
}

// RecordStaffAction appends to the staff audit trail.
func (db *DB) RecordStaffAction(ctx context.Context, act workflow.StaffAction) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error { return t.RecordStaffAction(ctx, act) })
}

// RecordStaffAction appends to the staff audit trail inside the
// transaction.
func (t *Tx) RecordStaffAction(ctx context.Context, act workflow.StaffAction) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO staff_actions (at, actor_id, role, action, appeal_id, chat_id, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		act.At, act.ActorID, act.Role, act.Action, nullInt(act.AppealID), nullInt(act.ChatID), act.Details)
	if err != nil {
		return fmt.Errorf("storage: unable to record staff action %s: %w", act.Action, mapError(err))
	}
	return nil
}

// FindStaffActions returns the staff actions about an appeal, oldest
// first.
func (db *DB) FindStaffActions(ctx context.Context, appealID int64) ([]workflow.StaffAction, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT id, at, actor_id, role, action, coalesce(appeal_id, 0), coalesce(chat_id, 0), details
		FROM staff_actions WHERE appeal_id = $1 ORDER BY id`, appealID)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find staff actions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[workflow.StaffAction])
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read staff actions: %w", err)
	}
	return out, nil
}
